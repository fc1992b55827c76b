-- Reminders published before a session (7 days and 1 day before its first day), once each.
CREATE TABLE reminders_sent (
    session_id   UUID        NOT NULL REFERENCES sessions (id),
    days_before  INTEGER     NOT NULL,
    participants INTEGER     NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, days_before)
);
