-- Expert days (Fachtage) proposed elsewhere: a Forum decision of kind `event` (committee) or a
-- quality-dialogue finding of kind `expert_day` (dialogue). An expert-day session may be
-- scheduled from one and links back to it.
CREATE TABLE expert_day_proposals (
    id           UUID        PRIMARY KEY,
    source       TEXT        NOT NULL CHECK (source IN ('committee_decision', 'dialogue_finding')),
    title        TEXT        NOT NULL,
    summary      TEXT,
    proposed_on  DATE        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE sessions ADD COLUMN proposal_id UUID REFERENCES expert_day_proposals (id);
CREATE INDEX sessions_proposal ON sessions (proposal_id) WHERE proposal_id IS NOT NULL;
