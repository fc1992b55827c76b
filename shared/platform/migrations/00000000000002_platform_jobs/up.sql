-- Background jobs (see qmf_platform::jobs). One row per job: when it is due next, the same
-- for every replica. The replica that locks the row (FOR NO KEY UPDATE SKIP LOCKED) runs the
-- job and keeps the lock until the run is over, then moves next_run_at one interval on.
CREATE TABLE jobs (
    name         TEXT        PRIMARY KEY,
    next_run_at  TIMESTAMPTZ NOT NULL
);

-- Every run of a job, kept for 30 days. No personal data: jobs report counts and error texts.
CREATE TABLE job_runs (
    id           BIGSERIAL   PRIMARY KEY,
    job_name     TEXT        NOT NULL REFERENCES jobs (name),
    -- host name and process id of the replica that ran it
    replica      TEXT        NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    -- both NULL while the run is going on
    finished_at  TIMESTAMPTZ,
    outcome      TEXT CHECK (outcome IN ('ok', 'failed', 'cancelled')),
    -- what an ok run did
    summary      TEXT,
    -- why a run failed or was cancelled
    error        TEXT,
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX job_runs_job_name_started_at ON job_runs (job_name, started_at);
CREATE INDEX job_runs_started_at ON job_runs (started_at);
