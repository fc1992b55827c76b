-- Calendar subscription feeds of a person's, an organisation's or a trainer's sessions.
-- Calendar programs cannot send bearer tokens, so the feed's address carries a secret; only
-- its SHA-256 is stored, and a revoked feed answers 404.
CREATE TABLE calendar_feeds (
    id              UUID        PRIMARY KEY,
    token_sha256    TEXT        NOT NULL UNIQUE,
    person_id       UUID,
    organization_id UUID,
    trainer_id      UUID,
    created_by      TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at      TIMESTAMPTZ,
    CHECK (num_nonnulls(person_id, organization_id, trainer_id) = 1)
);
CREATE INDEX calendar_feeds_person ON calendar_feeds (person_id);
CREATE INDEX calendar_feeds_organization ON calendar_feeds (organization_id);
CREATE INDEX calendar_feeds_trainer ON calendar_feeds (trainer_id);
CREATE INDEX sessions_trainers ON sessions USING gin (trainers);
