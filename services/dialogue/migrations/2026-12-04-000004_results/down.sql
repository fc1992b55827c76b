DROP TABLE evaluations;
DROP TABLE findings;
DROP TABLE dialogue_attendance;
ALTER TABLE dialogues DROP COLUMN evaluated_at, DROP COLUMN documented_at, DROP COLUMN minutes, DROP COLUMN held_at;
