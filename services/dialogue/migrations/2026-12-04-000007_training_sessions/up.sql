-- Training sessions of the training service (its events): their days are kept free of
-- dialogues, as the Forum's are.
CREATE TABLE training_sessions (
    session_id  UUID        PRIMARY KEY,
    days        DATE[]      NOT NULL,
    title       TEXT        NOT NULL,
    cancelled   BOOLEAN     NOT NULL DEFAULT false,
    synced_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
