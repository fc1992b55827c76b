ALTER TABLE sessions DROP COLUMN proposal_id;
DROP TABLE expert_day_proposals;
