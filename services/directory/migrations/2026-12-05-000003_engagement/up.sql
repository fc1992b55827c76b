-- The engagement view (commitment at a glance). The directory keeps every event of the other
-- services the view is fed by (`engagement_events`, in arrival order, replayed on a rebuild)
-- and the dated facts derived from them; agreements, leadership confirmations and staff are the
-- directory's own tables. No names of people: staff appear by their directory id only.
CREATE TABLE engagement_events (
    seq         BIGSERIAL   PRIMARY KEY,
    event_id    UUID        NOT NULL UNIQUE,
    event_type  TEXT        NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    data        JSONB       NOT NULL
);

-- Seats in committee bodies (committee.membership.*).
CREATE TABLE engagement_seats (
    membership_id   UUID PRIMARY KEY,
    body_id         UUID NOT NULL,
    organization_id UUID NOT NULL,
    start_on        DATE NOT NULL,
    end_on          DATE
);
CREATE INDEX engagement_seats_organization ON engagement_seats (organization_id);

-- Meetings of committee bodies (committee.meeting.*); only held ones count.
CREATE TABLE engagement_meetings (
    meeting_id UUID    PRIMARY KEY,
    body_id    UUID    NOT NULL,
    day        DATE    NOT NULL,
    held       BOOLEAN NOT NULL DEFAULT false,
    cancelled  BOOLEAN NOT NULL DEFAULT false
);

-- The organisations present or excused at a meeting (committee.meeting.attendance_recorded).
CREATE TABLE engagement_attendance (
    meeting_id      UUID NOT NULL,
    organization_id UUID NOT NULL,
    presence        TEXT NOT NULL CHECK (presence IN ('present', 'excused')),
    PRIMARY KEY (meeting_id, organization_id)
);

-- Cycles of quality dialogues (dialogue.cycle.opened).
CREATE TABLE engagement_cycles (
    cycle_id UUID PRIMARY KEY,
    start_on DATE NOT NULL,
    end_on   DATE NOT NULL
);

-- Dialogues and their hosts (dialogue.host.*, dialogue.dialogue.*).
CREATE TABLE engagement_dialogues (
    dialogue_id          UUID    PRIMARY KEY,
    cycle_id             UUID    NOT NULL,
    host_organization_id UUID    NOT NULL,
    held_on              DATE,
    withdrawn            BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX engagement_dialogues_host ON engagement_dialogues (host_organization_id);

-- Staff who attended a held dialogue as guests (dialogue.dialogue.held).
CREATE TABLE engagement_guests (
    dialogue_id     UUID NOT NULL,
    person_id       UUID NOT NULL,
    organization_id UUID NOT NULL,
    PRIMARY KEY (dialogue_id, person_id)
);
CREATE INDEX engagement_guests_organization ON engagement_guests (organization_id);

-- Measures agreed in dialogues (dialogue.finding.recorded of kind agreed_measure,
-- dialogue.measure.completed).
CREATE TABLE engagement_measures (
    finding_id            UUID PRIMARY KEY,
    owner_organization_id UUID NOT NULL,
    title                 TEXT NOT NULL,
    agreed_on             DATE NOT NULL,
    due_on                DATE,
    completed_on          DATE,
    dropped_on            DATE
);
CREATE INDEX engagement_measures_owner ON engagement_measures (owner_organization_id);

-- The training catalogue's required courses (training.course.added) and completions
-- (training.completion.*).
CREATE TABLE engagement_courses (
    course_id       UUID    PRIMARY KEY,
    title           TEXT    NOT NULL,
    required_for    TEXT[]  NOT NULL,
    valid_for_years INTEGER
);
CREATE TABLE engagement_completions (
    registration_id UUID PRIMARY KEY,
    person_id       UUID NOT NULL,
    organization_id UUID NOT NULL,
    course_id       UUID NOT NULL,
    completed_on    DATE NOT NULL
);
CREATE INDEX engagement_completions_organization ON engagement_completions (organization_id);
