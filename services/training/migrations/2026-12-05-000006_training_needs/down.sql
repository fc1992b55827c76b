DROP INDEX directory_people_functions;
DROP INDEX completions_course;
DROP TABLE instrument_releases;
ALTER TABLE courses DROP COLUMN instruments, DROP COLUMN valid_for_years;
