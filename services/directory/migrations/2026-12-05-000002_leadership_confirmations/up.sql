-- Leadership confirmations: the dated statement of an organisation's leader that the leadership
-- guarantees the cooperation in its house (Verpflichtung der Leitung), one of the criteria of
-- commitment. Records of statements: never edited.
CREATE TABLE leadership_confirmations (
    id              UUID        PRIMARY KEY,
    organization_id UUID        NOT NULL REFERENCES organizations (id),
    leader_id       UUID        NOT NULL REFERENCES people (id),
    confirmed_on    DATE        NOT NULL,
    statement       TEXT,
    version         INTEGER     NOT NULL DEFAULT 1,
    change_seq      BIGINT      NOT NULL DEFAULT nextval('change_seq'),
    change_xid      BIGINT      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX leadership_confirmations_organization
    ON leadership_confirmations (organization_id, confirmed_on);
CREATE INDEX leadership_confirmations_change_xid ON leadership_confirmations (change_xid, id);
