DROP INDEX cases_change_xid;
ALTER TABLE cases DROP COLUMN change_xid;
