-- The catalogue of QMF trainings, their sessions, and registrations with quotas and a waiting
-- list. People and organisations come from the shared read copy of the directory.

CREATE TABLE courses (
    id               UUID        PRIMARY KEY,
    title            TEXT        NOT NULL,
    topic            TEXT        NOT NULL CHECK (topic IN
                         ('guidelines', 'process_steps', 'instruments', 'quality_dialogue', 'refresher', 'expert_day')),
    description      TEXT        NOT NULL,
    duration_hours   INTEGER     NOT NULL CHECK (duration_hours BETWEEN 1 AND 200),
    -- Courses to complete before this one.
    prerequisites    UUID[]      NOT NULL DEFAULT '{}',
    completion_rule  TEXT        NOT NULL CHECK (completion_rule IN ('all_parts_attended', 'attended_or_excused_with_make_up')),
    -- Staff functions of the directory (e.g. caseworker, leader) for which it is required.
    required_for     TEXT[]      NOT NULL DEFAULT '{}',
    created_by       TEXT        NOT NULL,
    version          INTEGER     NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id                       UUID        PRIMARY KEY,
    course_id                UUID        NOT NULL REFERENCES courses (id),
    -- Every day of the session, ascending.
    days                     DATE[]      NOT NULL CHECK (cardinality(days) BETWEEN 1 AND 20),
    place                    TEXT,
    online_url               TEXT,
    capacity                 INTEGER     NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    -- Directory people of the education provider who teach it.
    trainers                 UUID[]      NOT NULL DEFAULT '{}',
    registration_opens_on    DATE        NOT NULL,
    registration_closes_on   DATE        NOT NULL,
    cancellation_deadline    DATE        NOT NULL,
    -- Seats kept for youth-office and for institution staff until `reserved_until`.
    min_youth_office_seats   INTEGER     NOT NULL DEFAULT 0,
    min_institution_seats    INTEGER     NOT NULL DEFAULT 0,
    reserved_until           DATE,
    max_per_organization     INTEGER,
    -- How long an offered seat is held.
    offer_hours              INTEGER     NOT NULL DEFAULT 48 CHECK (offer_hours BETWEEN 1 AND 720),
    state                    TEXT        NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'held', 'cancelled')),
    cancel_reason            TEXT,
    version                  INTEGER     NOT NULL DEFAULT 1,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (registration_opens_on <= registration_closes_on),
    CHECK (min_youth_office_seats + min_institution_seats <= capacity)
);
CREATE INDEX sessions_course ON sessions (course_id);
CREATE INDEX sessions_first_day ON sessions ((days[1]));

-- The waiting list's order across all sessions.
CREATE SEQUENCE registration_positions;

CREATE TABLE registrations (
    id                  UUID        PRIMARY KEY,
    session_id          UUID        NOT NULL REFERENCES sessions (id),
    person_id           UUID        NOT NULL,
    organization_id     UUID        NOT NULL,
    -- youth_office or institution, as the directory said at registration.
    organization_kind   TEXT        NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('confirmed', 'waitlisted', 'offered', 'cancelled', 'expired')),
    waitlist_position   BIGINT,
    offered_until       TIMESTAMPTZ,
    reason              TEXT,
    registered_by       TEXT        NOT NULL,
    version             INTEGER     NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((state = 'offered') = (offered_until IS NOT NULL))
);
-- A person holds at most one live registration per session.
CREATE UNIQUE INDEX registrations_once ON registrations (session_id, person_id)
    WHERE state IN ('confirmed', 'waitlisted', 'offered');
CREATE INDEX registrations_session ON registrations (session_id, state, waitlist_position);
CREATE INDEX registrations_person ON registrations (person_id);
CREATE INDEX registrations_offers ON registrations (offered_until) WHERE state = 'offered';
