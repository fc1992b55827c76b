-- Certificates of attendance. A certificate keeps what it shows (names, course, days) as it
-- was issued, so its verification answers exactly what the paper says.
CREATE TABLE certificates (
    id                 UUID        PRIMARY KEY,
    -- The verification code printed on it: 16 characters of Crockford's base32 (80 random bits).
    code               TEXT        NOT NULL UNIQUE CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{16}$'),
    registration_id    UUID        NOT NULL REFERENCES registrations (id),
    person_id          UUID        NOT NULL,
    organization_id    UUID        NOT NULL,
    holder_name        TEXT        NOT NULL,
    organization_name  TEXT        NOT NULL,
    course_id          UUID        NOT NULL REFERENCES courses (id),
    course_title       TEXT        NOT NULL,
    topic              TEXT        NOT NULL,
    duration_hours     INTEGER     NOT NULL,
    session_id         UUID        NOT NULL REFERENCES sessions (id),
    days               DATE[]      NOT NULL,
    place              TEXT,
    online             BOOLEAN     NOT NULL,
    completed_on       DATE        NOT NULL,
    issued_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at         TIMESTAMPTZ,
    revoked_by         TEXT,
    revoke_reason      TEXT,
    version            INTEGER     NOT NULL DEFAULT 1,
    CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL))
);
-- At most one valid certificate per registration; a revoked one stays, for verification.
CREATE UNIQUE INDEX certificates_valid ON certificates (registration_id) WHERE revoked_at IS NULL;
CREATE INDEX certificates_person ON certificates (person_id, issued_at);
CREATE INDEX certificates_session ON certificates (session_id);
