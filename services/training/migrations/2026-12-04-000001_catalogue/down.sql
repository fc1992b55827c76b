DROP TABLE registrations;
DROP SEQUENCE registration_positions;
DROP TABLE sessions;
DROP TABLE courses;
