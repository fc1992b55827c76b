DROP INDEX agreements_change_xid;
DROP INDEX people_change_xid;
DROP INDEX organizations_change_xid;
ALTER TABLE agreements DROP COLUMN change_xid;
ALTER TABLE people DROP COLUMN change_xid;
ALTER TABLE organizations DROP COLUMN change_xid;
