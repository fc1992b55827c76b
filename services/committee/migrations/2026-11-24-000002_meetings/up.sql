-- Meetings of a body and their ordered agenda.
CREATE TABLE meetings (
    id           UUID PRIMARY KEY,
    body_id      UUID        NOT NULL REFERENCES bodies (id),
    title        TEXT        NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    place        TEXT        NOT NULL,
    public       BOOLEAN     NOT NULL DEFAULT false,
    state        TEXT        NOT NULL DEFAULT 'planned'
                 CHECK (state IN ('planned', 'invited', 'held', 'minutes_approved', 'cancelled')),
    version      INTEGER     NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_body ON meetings (body_id, starts_at);

CREATE TABLE agenda_items (
    id          UUID PRIMARY KEY,
    meeting_id  UUID    NOT NULL REFERENCES meetings (id),
    position    INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    public      BOOLEAN NOT NULL DEFAULT true,
    UNIQUE (meeting_id, position) DEFERRABLE INITIALLY DEFERRED
);
