DROP TABLE forum_meetings;
DROP TABLE school_holidays;
DROP TABLE absences;
DROP TABLE proposed_dates;
DROP TABLE host_representatives;
DROP TABLE hosts;
DROP TABLE cycle_rules;
DROP TABLE cycles;
