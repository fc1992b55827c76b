-- Read copy of the directory, fed by its events: which organisations exist, and which
-- agreements make an institution eligible to deliver help.
CREATE TABLE directory_organizations (
    id               UUID PRIMARY KEY,
    name             TEXT        NOT NULL,
    kind             TEXT        NOT NULL,
    district         TEXT,
    active           BOOLEAN     NOT NULL,
    -- the directory's row version; older events never overwrite newer state
    version          INTEGER     NOT NULL,
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE directory_agreements (
    id               UUID PRIMARY KEY,
    organization_id  UUID        NOT NULL,
    kind             TEXT        NOT NULL,
    signed_on        DATE        NOT NULL,
    terminated_on    DATE,
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX directory_agreements_organization ON directory_agreements (organization_id);
