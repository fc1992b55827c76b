DROP INDEX audit_log_case_ids;
ALTER TABLE audit_log DROP COLUMN case_ids;
