-- The cooperation's bodies (Gremien).
CREATE TABLE bodies (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            TEXT        NOT NULL CHECK (kind IN ('forum', 'management', 'steering_group', 'coordination', 'working_group')),
    name            TEXT        NOT NULL UNIQUE,
    short_name      TEXT,
    permanent       BOOLEAN     NOT NULL,
    mandate         TEXT,
    parent_id       UUID REFERENCES bodies (id),
    status          TEXT        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dissolved')),
    established_on  DATE,
    dissolved_on    DATE,
    version         INTEGER     NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One Forum, one management, one steering group, one overall coordination.
CREATE UNIQUE INDEX bodies_one_per_central_kind ON bodies (kind) WHERE kind <> 'working_group';

-- Two-year terms of the management (Geschäftsführung), held by one youth office at a time.
CREATE TABLE management_terms (
    id          UUID PRIMARY KEY,
    office_id   UUID        NOT NULL,
    start_on    DATE        NOT NULL,
    end_on      DATE        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by  TEXT        NOT NULL,
    CHECK (end_on >= start_on),
    -- Terms never overlap.
    EXCLUDE USING gist (daterange(start_on, end_on, '[]') WITH &&)
);

-- Who sits where; memberships derived from a management term carry the term.
CREATE TABLE memberships (
    id               UUID PRIMARY KEY,
    body_id          UUID        NOT NULL REFERENCES bodies (id),
    person_id        UUID,
    organization_id  UUID        NOT NULL,
    role             TEXT        NOT NULL CHECK (role IN ('chair', 'deputy', 'speaker', 'member', 'guest', 'expert')),
    start_on         DATE        NOT NULL,
    end_on           DATE,
    term_id          UUID REFERENCES management_terms (id),
    version          INTEGER     NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (end_on IS NULL OR end_on >= start_on)
);
CREATE INDEX memberships_body ON memberships (body_id, start_on);

-- The region's bodies.
INSERT INTO bodies (kind, name, short_name, permanent, mandate) VALUES
    ('forum', 'Forum Jugendhilfe', 'Forum', true, 'Decision level: leaders of public and free carriers adopt guidelines and recommendations, decide on topics, set up temporary working groups.'),
    ('management', 'Geschäftsführung', 'GF', true, 'Held for two years by a youth office; organises the Forum, writes its agenda, chairs the steering group.'),
    ('steering_group', 'Steuerungsgruppe', 'StG', true, 'Advises the management; deliberates topics from the working groups and forwards them to the Forum or refers them back.'),
    ('coordination', 'Gesamtkoordination', 'GK', true, 'Links the committees, coordinates between youth offices and institutions, contact point.'),
    ('working_group', 'AK QMF', 'AK QMF', true, 'Quality and its development, instruments, training concepts, the quality dialogue.'),
    ('working_group', 'AK QMF-Koordination', 'AK QMF-K', true, 'The QMF coordinators; links the operational and the strategic level.'),
    ('working_group', 'AK Jugendhilfe–Psychiatrie', 'AK JH-Psych', false, 'Cooperation of youth welfare and child and adolescent psychiatry; wrote a cooperation agreement.'),
    ('working_group', 'AK Personal', 'AK Personal', false, 'Recruiting and retaining staff.');
INSERT INTO bodies (kind, name, short_name, permanent, mandate, parent_id)
SELECT 'working_group', sub.name, sub.short_name, false, sub.mandate, parent.id
FROM bodies parent,
     (VALUES ('UAK Kooperationsvereinbarung', 'UAK KoopV', 'Sub-group writing the cooperation agreement of youth welfare and psychiatry.'),
             ('UAK Fallkonferenzen', 'UAK FK', 'Sub-group on joint case conferences of youth welfare and psychiatry.')) AS sub (name, short_name, mandate)
WHERE parent.name = 'AK Jugendhilfe–Psychiatrie';
