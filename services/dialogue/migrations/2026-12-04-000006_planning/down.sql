DROP TABLE planning_runs;
