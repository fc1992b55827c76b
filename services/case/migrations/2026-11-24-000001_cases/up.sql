-- Help cases. Names and dates of birth of young people and custody holders live only in
-- `personal_data`, encrypted by the service (AEAD, key id in `personal_key_id`).
CREATE TABLE cases (
    id                    UUID PRIMARY KEY,
    -- published in events instead of the id, so events cannot be joined back to the case API
    pseudonym             UUID        NOT NULL UNIQUE,
    responsible_office_id UUID        NOT NULL,
    caseworker_id         UUID        NOT NULL,
    help_kind             TEXT        NOT NULL,
    phase                 TEXT        NOT NULL,
    personal_data         BYTEA,
    personal_key_id       TEXT,
    -- year of birth only: enough for statistics, kept after erasure
    birth_year            INTEGER,
    opened_on             DATE        NOT NULL,
    help_started_on       DATE,
    ended_on              DATE,
    closed_on             DATE,
    end_kind              TEXT,
    end_reason            TEXT,
    transfer_to_office_id UUID,
    transfer_reason       TEXT,
    archived_at           TIMESTAMPTZ,
    erased_at             TIMESTAMPTZ,
    version               INTEGER     NOT NULL DEFAULT 1,
    change_seq            BIGINT      NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (phase IN ('intake', 'assessed', 'plan_agreed', 'help_running', 'ending', 'closed'))
);
CREATE SEQUENCE case_change_seq;
ALTER TABLE cases ALTER COLUMN change_seq SET DEFAULT nextval('case_change_seq');
CREATE INDEX cases_office ON cases (responsible_office_id, id);
CREATE INDEX cases_caseworker ON cases (caseworker_id, id);
CREATE INDEX cases_change_seq ON cases (change_seq);

-- Ids of a case in integrating systems, unique per responsible office and system.
CREATE TABLE case_external_ids (
    office_id    UUID NOT NULL,
    system       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    case_id      UUID NOT NULL REFERENCES cases (id),
    PRIMARY KEY (office_id, system, external_id)
);
CREATE INDEX case_external_ids_case ON case_external_ids (case_id);

-- Versioned instrument definitions (JSON Schema). Released versions never change.
CREATE TABLE instruments (
    key          TEXT        NOT NULL,
    version      INTEGER     NOT NULL,
    title        TEXT        NOT NULL,
    description  TEXT        NOT NULL,
    schema       JSONB       NOT NULL,
    released_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_by  TEXT        NOT NULL,
    PRIMARY KEY (key, version),
    CHECK (key IN ('assessment', 'help_plan', 'review', 'final_evaluation'))
);

-- Filled instruments; content is encrypted like personal data.
CREATE TABLE case_documents (
    id                 UUID PRIMARY KEY,
    case_id            UUID        NOT NULL REFERENCES cases (id),
    instrument_key     TEXT        NOT NULL,
    instrument_version INTEGER     NOT NULL,
    content            BYTEA,
    content_key_id     TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by         TEXT        NOT NULL,
    FOREIGN KEY (instrument_key, instrument_version) REFERENCES instruments (key, version)
);
CREATE INDEX case_documents_case ON case_documents (case_id);

-- Help plans (Hilfeplan, §36 SGB VIII); a new version supersedes the previous one.
CREATE TABLE plans (
    id                     UUID PRIMARY KEY,
    case_id                UUID        NOT NULL REFERENCES cases (id),
    plan_version           INTEGER     NOT NULL,
    provider_id            UUID        NOT NULL,
    start_on               DATE        NOT NULL,
    hours_per_week         REAL CHECK (hours_per_week > 0),
    review_interval_months INTEGER     NOT NULL,
    measures               JSONB       NOT NULL,
    participation          JSONB       NOT NULL,
    document_id            UUID REFERENCES case_documents (id),
    -- proposed → accepted | declined; superseded once a newer version is agreed
    status                 TEXT        NOT NULL,
    decision_reason        TEXT,
    decided_at             TIMESTAMPTZ,
    agreed_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (case_id, plan_version),
    CHECK (status IN ('proposed', 'accepted', 'declined', 'superseded'))
);
CREATE INDEX plans_provider ON plans (provider_id) WHERE status IN ('proposed', 'accepted');

CREATE TABLE plan_goals (
    id           UUID PRIMARY KEY,
    plan_id      UUID    NOT NULL REFERENCES plans (id),
    position     INTEGER NOT NULL,
    description  TEXT    NOT NULL,
    UNIQUE (plan_id, position)
);

-- Help-plan reviews (Hilfeplangespräch / Fortschreibung) and the final evaluation.
CREATE TABLE reviews (
    id               UUID PRIMARY KEY,
    case_id          UUID        NOT NULL REFERENCES cases (id),
    plan_id          UUID        NOT NULL REFERENCES plans (id),
    held_on          DATE        NOT NULL,
    final            BOOLEAN     NOT NULL DEFAULT false,
    progress_report  TEXT,
    participation    JSONB       NOT NULL,
    next_review_on   DATE,
    document_id      UUID REFERENCES case_documents (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reviews_case ON reviews (case_id, held_on);

CREATE TABLE goal_ratings (
    review_id  UUID    NOT NULL REFERENCES reviews (id),
    goal_id    UUID    NOT NULL REFERENCES plan_goals (id),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (review_id, goal_id)
);

-- When the next review of a running help is due (one row per case with a running help).
CREATE TABLE review_schedule (
    case_id    UUID PRIMARY KEY REFERENCES cases (id),
    office_id  UUID NOT NULL,
    due_on     DATE NOT NULL
);
CREATE INDEX review_schedule_due ON review_schedule (office_id, due_on);

-- Every step of a case: who did what when (no content).
CREATE TABLE case_steps (
    id              BIGSERIAL PRIMARY KEY,
    case_id         UUID        NOT NULL REFERENCES cases (id),
    step            TEXT        NOT NULL,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_subject   TEXT        NOT NULL,
    actor_org       UUID,
    details         JSONB       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX case_steps_case ON case_steps (case_id, id);

-- Append-only record of every read and write of case data.
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    subject         TEXT        NOT NULL,
    organization_id UUID,
    case_id         UUID,
    action          TEXT        NOT NULL,
    request_id      TEXT
);
CREATE INDEX audit_log_case ON audit_log (case_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
