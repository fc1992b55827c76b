-- A person holds at most one seat at a time in a body (rule `memberships_do_not_overlap`).
-- The service checks it before writing, to name the rule; the constraint also stops
-- concurrent requests that both passed that check. Seats of an organisation without a named
-- person (the management term's chairs) are not covered: NULL equals nothing.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Seats recorded before the rule may overlap; they are named rather than changed here.
DO $$
DECLARE
    overlapping TEXT;
BEGIN
    SELECT string_agg(format('%s and %s', a.id, b.id), '; ' ORDER BY a.id, b.id)
    INTO overlapping
    FROM memberships a
    JOIN memberships b
      ON b.body_id = a.body_id AND b.person_id = a.person_id AND a.id < b.id
     AND daterange(a.start_on, a.end_on, '[]') && daterange(b.start_on, b.end_on, '[]');
    IF overlapping IS NOT NULL THEN
        RAISE EXCEPTION 'memberships of the same person in the same body overlap: %', overlapping
            USING HINT = 'End the earlier membership the day before the later one starts '
                '(UPDATE memberships SET end_on = ..., version = version + 1, updated_at = now() '
                'WHERE id = ...) or delete a duplicate, then migrate again.';
    END IF;
END $$;

ALTER TABLE memberships ADD CONSTRAINT memberships_do_not_overlap
    EXCLUDE USING gist (body_id WITH =, person_id WITH =, daterange(start_on, end_on, '[]') WITH &&);
