-- 0002 sharing, controlled access, the audit ledger, node keys.

-- keys/: the node's own signing keys (ES256). Private keys are stored encrypted with the field keyring.
CREATE TABLE node_keys (
  kid          text PRIMARY KEY,
  purpose      text NOT NULL CHECK (purpose IN ('audit', 'person', 'code', 'node')),
  alg          text NOT NULL,
  public_key   text NOT NULL,           -- DER SubjectPublicKeyInfo, base64
  private_key  text NOT NULL,           -- PKCS#8 DER, encrypted (enc:v1:...)
  status       text NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);

-- records: rows are scoped by region (GB/T 2260 of the row's division field, or of the subject's ID number);
-- subject becomes a keyed blind index of the person's ID number, and level-4 values are encrypted in data.
ALTER TABLE records ADD COLUMN region text;
CREATE INDEX records_region ON records (dataset_id, region) WHERE valid_to IS NULL;

-- sharing/: requests for another department's data. A granted request is the grant.
CREATE TABLE share_requests (
  id              text PRIMARY KEY,
  dataset_id      text NOT NULL REFERENCES datasets(id),
  owner_id        text NOT NULL REFERENCES departments(id),
  consumer_id     text NOT NULL REFERENCES departments(id),
  fields          jsonb NOT NULL,
  clear_fields    jsonb NOT NULL DEFAULT '[]'::jsonb,
  purposes        jsonb NOT NULL,
  purpose_text    text NOT NULL,
  legal_basis     text NOT NULL,
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  scope           jsonb NOT NULL DEFAULT '{}'::jsonb,
  status          text NOT NULL CHECK (status IN ('pending', 'granted', 'refused', 'revoked', 'withdrawn')),
  deadline        timestamptz,
  decided_by      text,
  decided_at      timestamptz,
  decision_reason text,
  renews          text REFERENCES share_requests(id),
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end > period_start)
);
CREATE INDEX share_requests_consumer ON share_requests (consumer_id, dataset_id, status);
CREATE INDEX share_requests_owner ON share_requests (owner_id, status);

-- Every state change of a request or grant: who, when, why.
CREATE TABLE share_events (
  request_id  text NOT NULL REFERENCES share_requests(id),
  seq         integer NOT NULL,
  action      text NOT NULL,
  actor       text NOT NULL,
  reason      text,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, seq)
);

-- The correction loop: a consumer reports a suspected error in a shared record; the owner answers.
CREATE TABLE corrections (
  id            text PRIMARY KEY,
  dataset_id    text NOT NULL REFERENCES datasets(id),
  record_key    text NOT NULL,
  grant_id      text NOT NULL REFERENCES share_requests(id),
  reporter_id   text NOT NULL REFERENCES departments(id),
  field         text,
  description   text NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'fixed', 'rejected')),
  answer        text,
  answered_by   text,
  answered_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX corrections_record ON corrections (dataset_id, record_key);
CREATE INDEX corrections_owner ON corrections (dataset_id, status);

-- audit/: an RFC 6962 Merkle tree over canonical entries. seq is the 0-based leaf index.
CREATE TABLE audit_entries (
  seq         bigint PRIMARY KEY,
  entry       text NOT NULL,            -- canonical JSON (docs/audit.md); the leaf is its UTF-8 bytes
  at          timestamptz NOT NULL      -- the entry's time, for retention and queries; its leaf hash is audit_nodes (0, seq)
);
-- Hashes of every complete subtree (2^level leaves starting at leaf idx * 2^level), for O(log n) proofs.
CREATE TABLE audit_nodes (
  level  smallint NOT NULL,
  idx    bigint NOT NULL,
  hash   text NOT NULL,                 -- hex
  PRIMARY KEY (level, idx)
);
-- Which entries touched which person (blind index of the ID number), for citizen transparency.
CREATE TABLE audit_subjects (
  subject  text NOT NULL,
  seq      bigint NOT NULL,
  PRIMARY KEY (subject, seq)
);
-- Signed tree heads.
CREATE TABLE audit_tree_heads (
  tree_size  bigint PRIMARY KEY,
  root       text NOT NULL,             -- hex
  signed_at  timestamptz NOT NULL,
  kid        text NOT NULL,
  signature  text NOT NULL              -- base64 ES256 (IEEE P1363) over the documented head encoding
);
