DROP TABLE dialogue_history;
DROP TABLE dialogue_guests;
DROP TABLE dialogues;
