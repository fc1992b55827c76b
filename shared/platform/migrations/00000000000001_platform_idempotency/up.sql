-- Stored responses of POST requests sent with an Idempotency-Key header.
CREATE TABLE idempotency_keys (
    -- the caller's subject: keys are scoped per caller
    subject       TEXT        NOT NULL,
    key           TEXT        NOT NULL,
    method        TEXT        NOT NULL,
    path          TEXT        NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused
    request_hash  TEXT        NOT NULL,
    -- NULL while the first request is still running
    status        SMALLINT,
    headers       JSONB,
    body          BYTEA,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at  TIMESTAMPTZ,
    PRIMARY KEY (subject, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
