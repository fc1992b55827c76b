-- A listed page of cases is audited as one row naming every case on it, not one row per case.
-- "Who saw case X" finds both kinds of row: `case_id = X OR case_ids @> ARRAY[X]`.
ALTER TABLE audit_log ADD COLUMN case_ids UUID[];
CREATE INDEX audit_log_case_ids ON audit_log USING gin (case_ids);
