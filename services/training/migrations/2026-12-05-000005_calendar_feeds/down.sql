DROP INDEX sessions_trainers; DROP TABLE calendar_feeds;
