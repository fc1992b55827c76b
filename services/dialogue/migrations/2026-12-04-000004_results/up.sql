-- What happens at and after a dialogue: attendance, documentation (minutes and findings with
-- their follow-up), participants' ratings; agreed measures are tracked until done or dropped.

ALTER TABLE dialogues
    ADD COLUMN held_at       TIMESTAMPTZ,
    ADD COLUMN minutes       TEXT,
    ADD COLUMN documented_at TIMESTAMPTZ,
    ADD COLUMN evaluated_at  TIMESTAMPTZ;

CREATE TABLE dialogue_attendance (
    dialogue_id     UUID    NOT NULL REFERENCES dialogues (id),
    person_id       UUID    NOT NULL,
    organization_id UUID    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('representative', 'guest')),
    present         BOOLEAN NOT NULL,
    PRIMARY KEY (dialogue_id, person_id)
);

-- A finding and its follow-up: an expert day (Fachtag), a Forum topic, a publication, or a
-- measure agreed with an owning organisation and a due date, tracked until done or dropped.
CREATE TABLE findings (
    id                    UUID        PRIMARY KEY,
    dialogue_id           UUID        NOT NULL REFERENCES dialogues (id),
    kind                  TEXT        NOT NULL CHECK (kind IN ('expert_day', 'forum_topic', 'publication', 'agreed_measure')),
    title                 TEXT        NOT NULL,
    summary               TEXT        NOT NULL,
    owner_organization_id UUID,
    due_on                DATE,
    measure_state         TEXT        CHECK (measure_state IN ('open', 'done', 'dropped')),
    measure_reason        TEXT,
    measure_changed_at    TIMESTAMPTZ,
    version               INTEGER     NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'agreed_measure') = (owner_organization_id IS NOT NULL AND due_on IS NOT NULL AND measure_state IS NOT NULL))
);
CREATE INDEX findings_dialogue ON findings (dialogue_id);
CREATE INDEX findings_open_measures ON findings (owner_organization_id, due_on) WHERE measure_state = 'open';

-- A participant's rating of a dialogue on the defined criteria (1 to 5 each).
CREATE TABLE evaluations (
    dialogue_id  UUID        NOT NULL REFERENCES dialogues (id),
    person_id    UUID        NOT NULL,
    ratings      JSONB       NOT NULL,
    comment      TEXT,
    submitted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dialogue_id, person_id)
);
