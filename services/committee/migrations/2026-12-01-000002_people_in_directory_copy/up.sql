-- The directory's people move into the shared directory read copy (`directory_people`, created
-- by the copy's own migration, which runs first). The committee keeps only what it records
-- itself: the consent to publication. `committee_people` becomes a view that joins both, so the
-- committee reads a person as before.
CREATE TABLE publication_consents (
    person_id       UUID PRIMARY KEY,
    public_consent  BOOLEAN     NOT NULL,
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO directory_people
    (id, organization_id, given_name, family_name, email, active, version, created_at, synced_at)
SELECT id, organization_id, given_name, family_name, email, active, directory_version, created_at, updated_at
FROM committee_people
ON CONFLICT (id) DO NOTHING;

INSERT INTO publication_consents (person_id, public_consent, changed_at)
SELECT id, public_consent, COALESCE(consent_changed_at, updated_at)
FROM committee_people
WHERE public_consent OR consent_changed_at IS NOT NULL;

DROP TABLE committee_people;

-- A person as the committee knows them: the directory's data and the committee's consent.
-- `updated_at` is the later of both changes.
CREATE VIEW committee_people AS
SELECT p.id, p.organization_id, p.given_name, p.family_name, p.email, p.active,
       p.version AS directory_version,
       COALESCE(c.public_consent, false) AS public_consent,
       c.changed_at AS consent_changed_at,
       p.created_at,
       GREATEST(p.synced_at, c.changed_at) AS updated_at
FROM directory_people p
LEFT JOIN publication_consents c ON c.person_id = p.id;
