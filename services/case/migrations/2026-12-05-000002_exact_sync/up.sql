-- Exact incremental sync: every case keeps the id of the transaction that last changed it. The
-- list in change order pages by (change_xid, id) and hands out only cases whose writer has
-- ended (below the oldest running transaction), so a change committing late is never passed
-- over. Inserts take the default; updates set it wherever they set change_seq.
ALTER TABLE cases
    ADD COLUMN change_xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX cases_change_xid ON cases (change_xid, id);
