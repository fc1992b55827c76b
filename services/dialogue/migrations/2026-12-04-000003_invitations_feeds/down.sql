DROP TABLE feeds;
ALTER TABLE dialogue_guests DROP COLUMN responded_at;
ALTER TABLE dialogues DROP COLUMN invitations_sent_at;
