-- Attendance, minutes and invitations of meetings; topics (Vorlagen) with their drafts and
-- history; decisions of the Forum; the people the committee knows (names from the directory,
-- publication consent recorded here); tombstones of deleted public objects for OParl.

ALTER TABLE meetings
    ADD COLUMN minutes             TEXT,
    ADD COLUMN invitations_sent_at TIMESTAMPTZ;

ALTER TABLE agenda_items
    ADD COLUMN topic_id   UUID,
    ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE meeting_attendance (
    id              UUID PRIMARY KEY,
    meeting_id      UUID NOT NULL REFERENCES meetings (id),
    person_id       UUID,
    organization_id UUID,
    -- Free text for guests without a directory entry (e.g. an invited expert).
    name            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('present', 'excused', 'guest')),
    CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL OR name IS NOT NULL)
);
CREATE INDEX meeting_attendance_meeting ON meeting_attendance (meeting_id);

-- People as the directory publishes them (name and work e-mail, for invitations and the
-- public view); `public_consent` is recorded in the committee
-- service and decides whether a person appears in the OParl interface.
CREATE TABLE committee_people (
    id                  UUID PRIMARY KEY,
    organization_id     UUID        NOT NULL,
    given_name          TEXT        NOT NULL,
    family_name         TEXT        NOT NULL,
    -- Work e-mail, for invitations.
    email               TEXT,
    active              BOOLEAN     NOT NULL DEFAULT true,
    directory_version   INTEGER     NOT NULL,
    public_consent      BOOLEAN     NOT NULL DEFAULT false,
    consent_changed_at  TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE topics (
    id                UUID PRIMARY KEY,
    -- The working group that drafts it, or the steering group for topics it raises.
    origin_body_id    UUID        NOT NULL REFERENCES bodies (id),
    state             TEXT        NOT NULL CHECK (state IN ('draft', 'submitted', 'referred_back', 'forwarded',
                          'scheduled', 'postponed', 'adopted', 'adopted_with_changes', 'rejected')),
    title             TEXT        NOT NULL,
    -- Number of the current draft (Vorlage) version.
    draft_number      INTEGER     NOT NULL DEFAULT 1,
    -- Draft number at the last referral back; resubmitting needs a newer draft.
    referred_at_draft INTEGER,
    -- The Forum meeting whose agenda carries the topic while it is scheduled.
    meeting_id        UUID REFERENCES meetings (id),
    agenda_item_id    UUID,
    -- An escalated finding of a quality dialogue; at most one topic per finding.
    finding_id        UUID UNIQUE,
    version           INTEGER     NOT NULL DEFAULT 1,
    created_by        TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Lists page by id within a state (inboxes) or an origin body.
CREATE INDEX topics_state ON topics (state, id);
CREATE INDEX topics_origin ON topics (origin_body_id, id);
CREATE INDEX topics_meeting ON topics (meeting_id) WHERE meeting_id IS NOT NULL;

CREATE TABLE topic_drafts (
    topic_id    UUID        NOT NULL REFERENCES topics (id),
    number      INTEGER     NOT NULL,
    title       TEXT        NOT NULL,
    text        TEXT        NOT NULL,
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic_id, number)
);

CREATE TABLE topic_history (
    id            BIGSERIAL PRIMARY KEY,
    topic_id      UUID        NOT NULL REFERENCES topics (id),
    action        TEXT        NOT NULL,
    from_state    TEXT,
    to_state      TEXT        NOT NULL,
    draft_number  INTEGER     NOT NULL,
    meeting_id    UUID,
    reason        TEXT,
    actor         TEXT        NOT NULL,
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX topic_history_topic ON topic_history (topic_id, id);

CREATE TABLE decisions (
    id          UUID PRIMARY KEY,
    meeting_id  UUID        NOT NULL REFERENCES meetings (id),
    topic_id    UUID REFERENCES topics (id),
    kind        TEXT        NOT NULL CHECK (kind IN ('guideline', 'recommendation', 'establish_working_group',
                    'dissolve_working_group', 'event', 'other')),
    title       TEXT        NOT NULL,
    text        TEXT        NOT NULL,
    decided_on  DATE        NOT NULL,
    -- The working group set up or dissolved by the decision.
    body_id     UUID REFERENCES bodies (id),
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    search      TSVECTOR GENERATED ALWAYS AS (to_tsvector('german', title || ' ' || text)) STORED
);
CREATE INDEX decisions_search ON decisions USING gin (search);
CREATE INDEX decisions_date ON decisions (decided_on DESC, id DESC);
CREATE INDEX decisions_topic ON decisions (topic_id) WHERE topic_id IS NOT NULL;

-- Objects removed from the public OParl view (e.g. a deleted agenda item).
CREATE TABLE oparl_tombstones (
    kind        TEXT        NOT NULL,
    id          UUID        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);
