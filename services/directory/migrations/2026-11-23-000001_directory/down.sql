DROP TABLE agreements;
DROP TABLE people;
DROP TABLE organizations;
DROP SEQUENCE change_seq;
