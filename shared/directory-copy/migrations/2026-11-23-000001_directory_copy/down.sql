DROP TABLE directory_agreements;
DROP TABLE directory_organizations;
