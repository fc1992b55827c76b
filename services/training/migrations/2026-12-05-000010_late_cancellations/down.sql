DROP INDEX attendance_registration_absent;
ALTER TABLE registrations DROP COLUMN cancelled_late;
