DROP TABLE agenda_items;
DROP TABLE meetings;
