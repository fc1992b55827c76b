DROP TABLE completions;
DROP TABLE attendance_history;
DROP TABLE attendance;
