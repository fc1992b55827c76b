-- One dialogue per host and cycle, its participants and its history.

CREATE TABLE dialogues (
    id          UUID        PRIMARY KEY,
    cycle_id    UUID        NOT NULL REFERENCES cycles (id),
    host_id     UUID        NOT NULL UNIQUE REFERENCES hosts (id),
    state       TEXT        NOT NULL CHECK (state IN
                    ('unscheduled', 'scheduled', 'invited', 'held', 'documented', 'evaluated', 'cancelled', 'withdrawn')),
    day         DATE,
    starts_at   TIMESTAMPTZ,
    ends_at     TIMESTAMPTZ,
    place       TEXT,
    -- Set when the host left the cycle after its dialogue was scheduled: the coordination decides.
    flagged     TEXT,
    version     INTEGER     NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((day IS NULL) = (starts_at IS NULL) AND (day IS NULL) = (ends_at IS NULL)),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (state IN ('unscheduled', 'cancelled', 'withdrawn') OR day IS NOT NULL)
);
CREATE INDEX dialogues_cycle_day ON dialogues (cycle_id, day);

-- Guests: staff of other organisations. Host representatives attend implicitly.
CREATE TABLE dialogue_guests (
    dialogue_id     UUID        NOT NULL REFERENCES dialogues (id),
    person_id       UUID        NOT NULL,
    organization_id UUID        NOT NULL,
    -- invited / accepted / declined once invitations went out; `listed` before.
    response        TEXT        NOT NULL DEFAULT 'listed'
                        CHECK (response IN ('listed', 'invited', 'accepted', 'declined')),
    added_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dialogue_id, person_id)
);
CREATE INDEX dialogue_guests_person ON dialogue_guests (person_id);

-- Every step of a dialogue, with the date before and after (rescheduling keeps its history).
CREATE TABLE dialogue_history (
    id          UUID        PRIMARY KEY,
    dialogue_id UUID        NOT NULL REFERENCES dialogues (id),
    action      TEXT        NOT NULL,
    from_state  TEXT        NOT NULL,
    to_state    TEXT        NOT NULL,
    day_before  DATE,
    day_after   DATE,
    reason      TEXT,
    actor       TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX dialogue_history_dialogue ON dialogue_history (dialogue_id, at);
