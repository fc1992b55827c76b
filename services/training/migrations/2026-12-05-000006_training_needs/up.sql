-- Who still needs which training: courses say which instruments they teach and how long a
-- completion counts; the case service's instrument releases are copied here.
ALTER TABLE courses
    ADD COLUMN instruments     TEXT[]  NOT NULL DEFAULT '{}',
    ADD COLUMN valid_for_years INTEGER CHECK (valid_for_years BETWEEN 1 AND 20);

-- Every released instrument version, from `case.instrument_released.v1`.
CREATE TABLE instrument_releases (
    instrument   TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    released_on  DATE    NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (instrument, version)
);
CREATE INDEX completions_course ON completions (course_id, person_id);
CREATE INDEX directory_people_functions ON directory_people USING gin (functions);
