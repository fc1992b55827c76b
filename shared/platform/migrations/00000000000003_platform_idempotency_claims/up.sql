-- A request holding an Idempotency-Key is identified by its claim; the claim lapses at
-- lease_until, so a key whose request died before committing does not stay "in flight" for
-- the whole retention period. A write stores its answer in its own transaction, under the claim.
ALTER TABLE idempotency_keys
    ADD COLUMN claim       UUID        NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN lease_until TIMESTAMPTZ NOT NULL DEFAULT now();
