-- The outbox no longer sends a NOTIFY at commit. PostgreSQL serialises every committing
-- transaction that notifies, through its WAL flush, on one lock for the whole cluster, so the
-- trigger kept concurrent writes from sharing a flush and halved the write rate at 8 and more
-- in flight. A service now wakes its own relay after a commit, in process; replicas find each
-- other's events when they take the relay lock next (at the latest after one poll interval).
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
