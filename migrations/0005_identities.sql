-- Whose ID number a subject is, kept (encrypted under the field key) when the node issues a person token or a
-- code by ID number: a node that is not a person's home region asks the home region for its status with it
-- (sealed for that node), so every verifier shows the strictest status across regions. See docs/federation.md.
CREATE TABLE hc_identities (
  subject     text PRIMARY KEY,
  citizen_id  text NOT NULL,   -- enc:v1:... (aad hc_identities/<subject>)
  created_at  timestamptz NOT NULL DEFAULT now()
);
