-- The make-up of an excused session day (courses completed by attendance or excused parts
-- made up): recorded by the organisers, once per registration and day.
CREATE TABLE make_ups (
    registration_id  UUID        NOT NULL REFERENCES registrations (id),
    day              DATE        NOT NULL,
    made_up_on       DATE        NOT NULL,
    note             TEXT        NOT NULL,
    recorded_by      TEXT        NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (registration_id, day)
);
