ALTER TABLE registrations DROP COLUMN approved_by;
DROP INDEX registrations_once;
CREATE UNIQUE INDEX registrations_once ON registrations (session_id, person_id)
    WHERE state IN ('confirmed', 'waitlisted', 'offered');
ALTER TABLE registrations DROP CONSTRAINT registrations_state_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_state_check
    CHECK (state IN ('confirmed', 'waitlisted', 'offered', 'cancelled', 'expired'));
ALTER TABLE sessions DROP COLUMN requires_approval;
