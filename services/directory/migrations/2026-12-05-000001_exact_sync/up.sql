-- Exact incremental sync: every row keeps the id of the transaction that last changed it.
-- Lists in change order page by (change_xid, id) and hand out only rows whose writer has ended
-- (below the oldest running transaction), so a change committing late is never passed over.
-- Inserts take the default; updates set it wherever they set change_seq.
ALTER TABLE organizations
    ADD COLUMN change_xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE people
    ADD COLUMN change_xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE agreements
    ADD COLUMN change_xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);

CREATE INDEX organizations_change_xid ON organizations (change_xid, id);
CREATE INDEX people_change_xid ON people (change_xid, id);
CREATE INDEX agreements_change_xid ON agreements (change_xid, id);
