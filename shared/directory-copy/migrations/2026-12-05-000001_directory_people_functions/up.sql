-- A person's staff functions (leader, qmf_coordinator, caseworker, specialist, trainer), as the
-- directory's person events carry them: the training service tells by them which courses a
-- person needs. People copied before this column existed get their functions with their next
-- event (or a republication of the directory).
ALTER TABLE directory_people ADD COLUMN functions TEXT[] NOT NULL DEFAULT '{}';
