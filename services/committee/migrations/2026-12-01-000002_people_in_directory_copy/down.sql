DROP VIEW committee_people;

CREATE TABLE committee_people (
    id                  UUID PRIMARY KEY,
    organization_id     UUID        NOT NULL,
    given_name          TEXT        NOT NULL,
    family_name         TEXT        NOT NULL,
    email               TEXT,
    active              BOOLEAN     NOT NULL DEFAULT true,
    directory_version   INTEGER     NOT NULL,
    public_consent      BOOLEAN     NOT NULL DEFAULT false,
    consent_changed_at  TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO committee_people
    (id, organization_id, given_name, family_name, email, active, directory_version,
     public_consent, consent_changed_at, created_at, updated_at)
SELECT p.id, p.organization_id, COALESCE(p.given_name, ''), COALESCE(p.family_name, ''), p.email,
       p.active, p.version, COALESCE(c.public_consent, false), c.changed_at, p.created_at,
       GREATEST(p.synced_at, c.changed_at)
FROM directory_people p
LEFT JOIN publication_consents c ON c.person_id = p.id;

DROP TABLE publication_consents;
