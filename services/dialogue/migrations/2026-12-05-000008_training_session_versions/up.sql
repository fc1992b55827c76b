-- A training session may change its days (`training.session.changed.v1`): the newest version
-- of a session is kept.
ALTER TABLE training_sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
