ALTER TABLE memberships DROP CONSTRAINT memberships_do_not_overlap;
DROP EXTENSION IF EXISTS btree_gist;
