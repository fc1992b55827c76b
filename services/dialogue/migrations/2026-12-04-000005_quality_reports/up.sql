-- Quality reports (Qualitätsberichte): written by the host from a versioned template, read by
-- the invited participants and the coordination after submission, every read recorded; and the
-- outcome figures of closed cases (pseudonymised, from case.closed.v1) for their pre-fill.

CREATE TABLE quality_reports (
    dialogue_id      UUID        PRIMARY KEY REFERENCES dialogues (id),
    template_version INTEGER     NOT NULL,
    content          JSONB       NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('draft', 'submitted')),
    submitted_at     TIMESTAMPTZ,
    version          INTEGER     NOT NULL DEFAULT 1,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE report_reads (
    id              BIGSERIAL   PRIMARY KEY,
    dialogue_id     UUID        NOT NULL REFERENCES dialogues (id),
    reader          TEXT        NOT NULL,
    organization_id UUID,
    at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX report_reads_dialogue ON report_reads (dialogue_id, id);

-- One row per closed case, by the case service's pseudonym (a repeated event counts once).
CREATE TABLE closed_cases (
    case_pseudonym  UUID             PRIMARY KEY,
    office_id       UUID             NOT NULL,
    provider_id     UUID,
    help_kind       TEXT             NOT NULL,
    duration_days   BIGINT,
    end_kind        TEXT             NOT NULL,
    goal_attainment DOUBLE PRECISION,
    closed_at       TIMESTAMPTZ      NOT NULL
);
CREATE INDEX closed_cases_provider ON closed_cases (provider_id, closed_at);
CREATE INDEX closed_cases_office ON closed_cases (office_id, closed_at);
