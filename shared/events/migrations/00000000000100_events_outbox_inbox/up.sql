-- Transactional outbox: a service writes its state change and the event in one transaction;
-- the relay publishes rows in id order and marks them published.
CREATE TABLE outbox (
    -- publishing order: the relay sends rows strictly by id, so an aggregate's events keep their order
    id            BIGSERIAL   PRIMARY KEY,
    event_id      UUID        NOT NULL UNIQUE,
    event_type    TEXT        NOT NULL,
    source        TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    -- the complete CloudEvent, published as is
    envelope      JSONB       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- NULL until the broker confirmed the message
    published_at  TIMESTAMPTZ,
    -- delivery attempts, and why the last one failed (kept for diagnosis)
    attempts      INTEGER     NOT NULL DEFAULT 0,
    last_error    TEXT
);
-- The relay only ever scans unpublished rows; published ones pile up and must not slow it down.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Inbox: ids of consumed events, written in the same transaction as the event's effect, so a
-- redelivered or duplicated event has no second effect.
CREATE TABLE inbox (
    event_id     UUID        PRIMARY KEY,
    event_type   TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
