-- Wakes the outbox relays at commit: a NOTIFY sent inside a transaction is delivered when it
-- commits (and not at all when it rolls back), once per transaction however many rows it
-- inserted. Every replica's relay listens, so an event goes out without waiting for a poll.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('qmf_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify
    AFTER INSERT ON outbox
    FOR EACH STATEMENT
    EXECUTE FUNCTION outbox_notify();
