-- Attendance per session day, with the history of every correction, and completions.

CREATE TABLE attendance (
    registration_id  UUID        NOT NULL REFERENCES registrations (id),
    day              DATE        NOT NULL,
    session_id       UUID        NOT NULL REFERENCES sessions (id),
    person_id        UUID        NOT NULL,
    status           TEXT        NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    recorded_by      TEXT        NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (registration_id, day)
);
CREATE INDEX attendance_session ON attendance (session_id, day);

-- Every change of a status: the first recording and each correction.
CREATE TABLE attendance_history (
    id               BIGSERIAL   PRIMARY KEY,
    registration_id  UUID        NOT NULL,
    day              DATE        NOT NULL,
    status_before    TEXT,
    status_after     TEXT        NOT NULL,
    recorded_by      TEXT        NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX attendance_history_registration ON attendance_history (registration_id, day, id);

-- A person completed a course in a session, by the course's completion rule.
CREATE TABLE completions (
    registration_id  UUID        PRIMARY KEY REFERENCES registrations (id),
    person_id        UUID        NOT NULL,
    organization_id  UUID        NOT NULL,
    course_id        UUID        NOT NULL REFERENCES courses (id),
    session_id       UUID        NOT NULL REFERENCES sessions (id),
    completed_on     DATE        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX completions_person ON completions (person_id, completed_on);
