DROP TABLE oparl_tombstones;
DROP TABLE decisions;
DROP TABLE topic_history;
DROP TABLE topic_drafts;
DROP TABLE topics;
DROP TABLE committee_people;
DROP TABLE meeting_attendance;
ALTER TABLE agenda_items DROP COLUMN topic_id, DROP COLUMN created_at, DROP COLUMN updated_at;
ALTER TABLE meetings DROP COLUMN minutes, DROP COLUMN invitations_sent_at;
