DROP TABLE memberships;
DROP TABLE management_terms;
DROP TABLE bodies;
