-- Staff of the directory's organisations, fed by its person events: who works for which
-- organisation (a case's caseworker, a committee seat) and, in the services that keep them,
-- names and work e-mail (committee invitations and the public view). Services that need only
-- the affiliation leave the names and the e-mail empty (staff data is kept minimal).
CREATE TABLE directory_people (
    id               UUID PRIMARY KEY,
    organization_id  UUID        NOT NULL,
    given_name       TEXT,
    family_name      TEXT,
    email            TEXT,
    -- false once the directory deactivated the person, or when a snapshot arrived after the end
    -- of the active period
    active           BOOLEAN     NOT NULL,
    -- last active day, if the directory announced one
    active_until     DATE,
    -- the directory's row version; older events never overwrite newer state
    version          INTEGER     NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX directory_people_organization ON directory_people (organization_id);
