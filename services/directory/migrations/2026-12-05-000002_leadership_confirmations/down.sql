DROP TABLE leadership_confirmations;
