ALTER TABLE directory_people DROP COLUMN functions;
