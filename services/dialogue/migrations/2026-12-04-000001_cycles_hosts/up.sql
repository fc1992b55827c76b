-- Cycles of quality dialogues, their hosts, what hosts and staff record for planning, and the
-- region's blackout days. The directory's organisations and people come from the shared read
-- copy (directory_organizations, directory_agreements, directory_people).

-- Time-ordered ids (UUID version 7) for rows created in SQL, like the ids the service makes:
-- the first 48 bits are the Unix time in milliseconds, the rest random; a version-4 UUID's
-- version bits 0100 become 0111 by setting two bits, its variant bits stay.
CREATE FUNCTION dialogue_uuid_v7() RETURNS UUID AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$ LANGUAGE sql VOLATILE;

CREATE TABLE cycles (
    id              UUID        PRIMARY KEY,
    start_year      INTEGER     NOT NULL CHECK (start_year BETWEEN 2000 AND 2100),
    years           INTEGER     NOT NULL CHECK (years BETWEEN 1 AND 5),
    start_on        DATE        NOT NULL,
    end_on          DATE        NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('open', 'closed')),
    -- The numeric rules and weights (planner problem v1 `rules`), versioned in cycle_rules.
    rules           JSONB       NOT NULL,
    rules_version   INTEGER     NOT NULL DEFAULT 1,
    opened_by       TEXT        NOT NULL,
    closed_at       TIMESTAMPTZ,
    version         INTEGER     NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (end_on > start_on)
);
-- At most one open cycle; cycles never overlap.
CREATE UNIQUE INDEX cycles_one_open ON cycles ((true)) WHERE state = 'open';
ALTER TABLE cycles ADD CONSTRAINT cycles_do_not_overlap
    EXCLUDE USING gist (daterange(start_on, end_on, '[]') WITH &&);

-- Every version of a cycle's rules, so a plan can be checked against the rules it was made with.
CREATE TABLE cycle_rules (
    cycle_id        UUID        NOT NULL REFERENCES cycles (id),
    rules_version   INTEGER     NOT NULL,
    rules           JSONB       NOT NULL,
    changed_by      TEXT        NOT NULL,
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, rules_version)
);

-- An organisation hosting one dialogue in a cycle.
CREATE TABLE hosts (
    id                  UUID        PRIMARY KEY,
    cycle_id            UUID        NOT NULL REFERENCES cycles (id),
    organization_id     UUID        NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('active', 'withdrawn')),
    joined_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    withdrawn_at        TIMESTAMPTZ,
    withdrawn_reason    TEXT,
    room_capacity       INTEGER     CHECK (room_capacity BETWEEN 2 AND 500),
    preferred_months    INTEGER[]   NOT NULL DEFAULT '{}',
    report_ready_on     DATE,
    version             INTEGER     NOT NULL DEFAULT 1,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (cycle_id, organization_id)
);
CREATE INDEX hosts_organization ON hosts (organization_id);

-- Directory people of the host's own organisation who represent it at its dialogue.
CREATE TABLE host_representatives (
    host_id     UUID NOT NULL REFERENCES hosts (id),
    person_id   UUID NOT NULL,
    PRIMARY KEY (host_id, person_id)
);
CREATE INDEX host_representatives_person ON host_representatives (person_id);

-- Dates a host proposes for its dialogue.
CREATE TABLE proposed_dates (
    host_id     UUID NOT NULL REFERENCES hosts (id),
    day         DATE NOT NULL,
    PRIMARY KEY (host_id, day)
);

-- When staff cannot attend: a range of days, or a fixed weekday off (ISO 1 = Monday).
CREATE TABLE absences (
    id              UUID        PRIMARY KEY,
    person_id       UUID        NOT NULL,
    organization_id UUID        NOT NULL,
    start_on        DATE,
    end_on          DATE,
    weekday         SMALLINT    CHECK (weekday BETWEEN 1 AND 7),
    note            TEXT,
    created_by      TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((weekday IS NULL AND start_on IS NOT NULL AND end_on IS NOT NULL AND end_on >= start_on)
        OR (weekday IS NOT NULL AND start_on IS NULL AND end_on IS NULL))
);
CREATE INDEX absences_person ON absences (person_id);
CREATE INDEX absences_organization ON absences (organization_id);

-- School holidays imported per school year ("2026-27").
CREATE TABLE school_holidays (
    school_year TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    start_on    DATE        NOT NULL,
    end_on      DATE        NOT NULL CHECK (end_on >= start_on),
    imported_by TEXT        NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (school_year, start_on)
);

-- Forum meetings from the committee service's events: their days are blackout days.
CREATE TABLE forum_meetings (
    meeting_id  UUID        PRIMARY KEY,
    day         DATE        NOT NULL,
    title       TEXT        NOT NULL,
    cancelled   BOOLEAN     NOT NULL DEFAULT false,
    synced_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX forum_meetings_day ON forum_meetings (day) WHERE NOT cancelled;
