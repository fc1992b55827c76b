ALTER TABLE training_sessions DROP COLUMN version;
