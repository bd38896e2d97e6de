-- Disclosures not yet in the audit ledger: a message carrying a person's data to another region is written to the
-- outbox held (not due) together with its row here, in one transaction; once its `records.disclosed` entry is
-- durable the row goes and the message is released, so no such message is ever sent unaudited, even after a crash
-- between the two steps (the next round audits and releases what was left).
CREATE TABLE fed_disclosures (
  message_id  text PRIMARY KEY REFERENCES fed_outbox(id) ON DELETE CASCADE,
  subject     text NOT NULL,   -- the person (blind index), the entry's subject
  dataset     text NOT NULL,
  fields      jsonb NOT NULL,  -- the dataset fields sent
  to_region   text NOT NULL,
  type        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fed_disclosures_created ON fed_disclosures (created_at);
