DROP TABLE job_runs;
DROP TABLE jobs;
