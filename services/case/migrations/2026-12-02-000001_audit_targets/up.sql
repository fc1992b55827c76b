-- Audited actions on something other than a case name it, e.g. `instrument/review/2` for
-- releasing an instrument version.
ALTER TABLE audit_log ADD COLUMN target TEXT;
