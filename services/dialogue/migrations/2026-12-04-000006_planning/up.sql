-- Planning runs: the planner searching a plan for a cycle on the background-job runner, from a
-- snapshot of the cycle's data taken when the run was requested.
CREATE TABLE planning_runs (
    id                UUID        PRIMARY KEY,
    cycle_id          UUID        NOT NULL REFERENCES cycles (id),
    state             TEXT        NOT NULL CHECK (state IN
                          ('queued', 'running', 'finished', 'failed', 'cancelled', 'accepted')),
    seconds           INTEGER     NOT NULL CHECK (seconds BETWEEN 1 AND 600),
    seed              BIGINT      NOT NULL CHECK (seed >= 0),
    pin_published     BOOLEAN     NOT NULL,
    -- The planner's instance (qmf-dialogue-planner-instance v1) and the previous plan with its
    -- pinned and published dialogues, as taken at the request.
    instance          JSONB       NOT NULL,
    previous          JSONB       NOT NULL,
    pinned            INTEGER     NOT NULL,
    published         INTEGER     NOT NULL,
    requested_by      TEXT        NOT NULL,
    -- Set while running: best score so far {hard, medium, soft}, seconds elapsed.
    progress          JSONB,
    cancel_requested  BOOLEAN     NOT NULL DEFAULT false,
    -- How often a runner took it up (a run whose process died is taken up again).
    attempts          INTEGER     NOT NULL DEFAULT 0,
    solution          JSONB,
    score             JSONB,
    explanation       JSONB,
    -- Hosts left out (no representative yet): [{organization_id, name}].
    left_out          JSONB       NOT NULL DEFAULT '[]',
    error             TEXT,
    accepted_by       TEXT,
    version           INTEGER     NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((state IN ('finished', 'accepted')) = (solution IS NOT NULL))
);
CREATE INDEX planning_runs_cycle ON planning_runs (cycle_id, id);
CREATE INDEX planning_runs_waiting ON planning_runs (created_at) WHERE state IN ('queued', 'running');
