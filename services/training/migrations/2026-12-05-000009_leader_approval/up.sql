-- Optional approval by the organisation's leader: a session may require it for staff who
-- register themselves; their registration waits in `pending_approval` (holding its place in
-- the waiting-list order, but no seat) until a leader, the organisation's software or the
-- coordination approves or rejects it.
ALTER TABLE sessions ADD COLUMN requires_approval BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE registrations DROP CONSTRAINT registrations_state_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_state_check
    CHECK (state IN ('pending_approval', 'confirmed', 'waitlisted', 'offered', 'cancelled', 'expired'));
DROP INDEX registrations_once;
CREATE UNIQUE INDEX registrations_once ON registrations (session_id, person_id)
    WHERE state IN ('pending_approval', 'confirmed', 'waitlisted', 'offered');
ALTER TABLE registrations ADD COLUMN approved_by TEXT;
