DROP TABLE make_ups;
