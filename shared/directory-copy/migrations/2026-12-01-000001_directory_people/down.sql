DROP TABLE directory_people;
