-- Every write takes the next value, so incremental sync can page in change order.
CREATE SEQUENCE change_seq;

CREATE TABLE organizations (
    id               UUID PRIMARY KEY,
    name             TEXT        NOT NULL,
    kind             TEXT        NOT NULL CHECK (kind IN ('youth_office', 'institution', 'state_youth_office', 'education_provider')),
    district         TEXT        CHECK (district IN ('stadt_heilbronn', 'landkreis_heilbronn', 'hohenlohekreis', 'schwaebisch_hall', 'main_tauber_kreis')),
    umbrella_carrier TEXT,
    street           TEXT        NOT NULL,
    postal_code      TEXT        NOT NULL,
    city             TEXT        NOT NULL,
    email            TEXT,
    phone            TEXT,
    external_ids     JSONB       NOT NULL DEFAULT '{}'::jsonb,
    active           BOOLEAN     NOT NULL DEFAULT true,
    deactivated_at   TIMESTAMPTZ,
    version          INTEGER     NOT NULL DEFAULT 1,
    change_seq       BIGINT      NOT NULL DEFAULT nextval('change_seq'),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_name_unique ON organizations (lower(name));
-- One public youth office per district.
CREATE UNIQUE INDEX organizations_one_youth_office_per_district
    ON organizations (district) WHERE kind = 'youth_office' AND active;
CREATE INDEX organizations_change_seq ON organizations (change_seq);
CREATE INDEX organizations_kind_district ON organizations (kind, district);

CREATE TABLE people (
    id               UUID PRIMARY KEY,
    organization_id  UUID        NOT NULL REFERENCES organizations (id),
    given_name       TEXT        NOT NULL,
    family_name      TEXT        NOT NULL,
    email            TEXT,
    phone            TEXT,
    functions        TEXT[]      NOT NULL,
    active_from      DATE        NOT NULL,
    active_until     DATE,
    version          INTEGER     NOT NULL DEFAULT 1,
    change_seq       BIGINT      NOT NULL DEFAULT nextval('change_seq'),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (active_until IS NULL OR active_until >= active_from)
);
CREATE INDEX people_organization ON people (organization_id);
CREATE INDEX people_change_seq ON people (change_seq);

CREATE TABLE agreements (
    id                 UUID PRIMARY KEY,
    organization_id    UUID        NOT NULL REFERENCES organizations (id),
    kind               TEXT        NOT NULL CHECK (kind IN ('cooperation_agreement', 'quality_development_agreement')),
    signed_on          DATE        NOT NULL,
    signed_by          TEXT        NOT NULL,
    terminated_on      DATE,
    termination_reason TEXT,
    version            INTEGER     NOT NULL DEFAULT 1,
    change_seq         BIGINT      NOT NULL DEFAULT nextval('change_seq'),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- From 2021 only the quality development agreement can be signed.
    CHECK (kind <> 'cooperation_agreement' OR signed_on < DATE '2021-01-01'),
    CHECK (terminated_on IS NULL OR terminated_on >= signed_on)
);
CREATE INDEX agreements_organization ON agreements (organization_id);
CREATE INDEX agreements_change_seq ON agreements (change_seq);
-- At most one running (not terminated) agreement of each kind per organisation.
CREATE UNIQUE INDEX agreements_one_running_per_kind
    ON agreements (organization_id, kind) WHERE terminated_on IS NULL;
