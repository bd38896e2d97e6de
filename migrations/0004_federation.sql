-- Federation: the hub's registry of regions, a region's kept national trust list, signed messages between nodes
-- (outbox and inbox), facts and risk areas received from other regions, and status answers kept as replicas.
-- See docs/federation.md.

-- Hub: the registered region nodes and the node key pinned at registration.
CREATE TABLE fed_regions (
  region          text PRIMARY KEY,
  url             text NOT NULL,
  node_kid        text NOT NULL,
  node_key        text NOT NULL,          -- DER SubjectPublicKeyInfo, base64
  registered_by   text NOT NULL,
  registered_at   timestamptz NOT NULL DEFAULT now(),
  trust_list      jsonb,                  -- the region's last verified trust list (entries)
  fetched_at      timestamptz,
  last_error      text
);

-- Hub: code-signing keys revoked nationally.
CREATE TABLE fed_revocations (
  kid         text PRIMARY KEY,
  reason      text NOT NULL,
  revoked_by  text NOT NULL,
  revoked_at  timestamptz NOT NULL DEFAULT now()
);

-- Key/value state of federation: the pinned hub key, the kept national list, the hub's published list, watermarks.
CREATE TABLE fed_state (
  name        text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Messages to other nodes, written in the transaction of the change that caused them.
CREATE TABLE fed_outbox (
  id               text PRIMARY KEY,
  to_region        text NOT NULL,
  type             text NOT NULL,
  message          jsonb NOT NULL,       -- the signed message
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  last_error       text
);
CREATE INDEX fed_outbox_due ON fed_outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Messages accepted from other nodes (the id is the replay protection: applied once).
CREATE TABLE fed_inbox (
  id           text PRIMARY KEY,
  from_region  text NOT NULL,
  type         text NOT NULL,
  sent_at      timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  message      jsonb NOT NULL
);

-- Facts about this node's people received from other regions (cases, contacts), read by the health-code rules.
CREATE TABLE fed_facts (
  message_id   text PRIMARY KEY REFERENCES fed_inbox(id),
  subject      text NOT NULL,
  from_region  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('case', 'contact')),
  data         jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fed_facts_subject ON fed_facts (subject);

-- The last status answer an issuing region gave for one of its codes' subjects (used when it is unreachable).
CREATE TABLE fed_status_replicas (
  issuer       text NOT NULL,
  code_sub     text NOT NULL,
  answer       jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, code_sub)
);

-- Risk areas received from other regions carry the sending region.
ALTER TABLE risk_areas ADD COLUMN origin text;
