-- A cancellation after the session's cancellation deadline is marked late.
ALTER TABLE registrations ADD COLUMN cancelled_late BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX attendance_registration_absent ON attendance (registration_id) WHERE status = 'absent';
