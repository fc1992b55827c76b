-- Refused reads of case data are recorded too (who, when, which case id), with the outcome.
-- Existing rows are granted accesses.
ALTER TABLE audit_log
    ADD COLUMN outcome TEXT NOT NULL DEFAULT 'granted' CHECK (outcome IN ('granted', 'refused'));
-- Auditors look for refusals; they are few among the granted accesses.
CREATE INDEX audit_log_refused ON audit_log (id) WHERE outcome = 'refused';
