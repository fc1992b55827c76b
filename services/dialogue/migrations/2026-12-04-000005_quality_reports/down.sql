DROP TABLE closed_cases;
DROP TABLE report_reads;
DROP TABLE quality_reports;
