-- Invitations and answers, and calendar feeds reachable through a secret URL.

ALTER TABLE dialogues ADD COLUMN invitations_sent_at TIMESTAMPTZ;
ALTER TABLE dialogue_guests ADD COLUMN responded_at TIMESTAMPTZ;

-- A subscription feed of a person's or an organisation's dialogues. Calendar programs cannot
-- send bearer tokens, so the URL carries a secret; only its SHA-256 is stored, and a revoked
-- feed answers 404.
CREATE TABLE feeds (
    id              UUID        PRIMARY KEY,
    token_sha256    TEXT        NOT NULL UNIQUE,
    person_id       UUID,
    organization_id UUID,
    created_by      TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at      TIMESTAMPTZ,
    CHECK ((person_id IS NULL) <> (organization_id IS NULL))
);
CREATE INDEX feeds_person ON feeds (person_id);
CREATE INDEX feeds_organization ON feeds (organization_id);
