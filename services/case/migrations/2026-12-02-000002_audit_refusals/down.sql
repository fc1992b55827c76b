DROP INDEX audit_log_refused;
ALTER TABLE audit_log DROP COLUMN outcome;
