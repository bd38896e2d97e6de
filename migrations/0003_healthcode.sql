-- Health codes: rule sets, risk areas, each person's status with reasons and history, recompute bookkeeping,
-- appeals and checkpoint scans. See src/healthcode/.

-- Versioned CertLogic rule sets; the one in force for a region is the highest version valid at the time.
CREATE TABLE rule_sets (
  id            text NOT NULL,
  version       text NOT NULL,
  region        text NOT NULL,
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz NOT NULL,
  doc           jsonb NOT NULL,           -- the whole rule set (src/healthcode/rules/types.ts RuleSet)
  published_by  text NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);
CREATE INDEX rule_sets_region ON rule_sets (region, valid_from);

-- Risk areas (high, medium, low) declared by the emergency command. `places` are the venue codes and stations
-- inside the area; a scan or an arrival there while the area is in force is a visit. An area ends when lifted by
-- hand or by rule (no new case for 7 days); the row is kept with its end.
CREATE TABLE risk_areas (
  id            text PRIMARY KEY,
  division      text NOT NULL,            -- GB/T 2260 code of the county or district it lies in
  name          jsonb NOT NULL,           -- {"zh-CN": ..., "en": ...}
  level         text NOT NULL CHECK (level IN ('high', 'medium', 'low')),
  places        text[] NOT NULL,
  starts_at     timestamptz NOT NULL,
  last_case_at  timestamptz,              -- the newest case in the area (the 7-day rule counts from it)
  ends_at       timestamptz,              -- set when lifted
  lifted_by     text CHECK (lifted_by IN ('rule', 'manual')),
  lift_reason   text,
  declared_by   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_areas_updated ON risk_areas (updated_at);

-- Each person's current status. `subject` is the blind index of the ID number (as in records); `code_sub` the
-- pseudonymous id written into their codes. `colour` is the effective colour: an accepted appeal's override while
-- it lasts, else the rule set's verdict (`computed_colour`).
CREATE TABLE health_status (
  subject          text PRIMARY KEY,
  code_sub         text NOT NULL UNIQUE,
  colour           text NOT NULL CHECK (colour IN ('green', 'yellow', 'red')),
  computed_colour  text NOT NULL CHECK (computed_colour IN ('green', 'yellow', 'red')),
  reasons          jsonb NOT NULL,
  rule_set         text NOT NULL,
  rule_version     text NOT NULL,
  override_appeal  text,
  since            timestamptz NOT NULL,  -- when the colour (or its reasons) last changed
  computed_at      timestamptz NOT NULL
);

-- Every change of a person's status, for the person to see.
CREATE TABLE health_status_history (
  seq           bigserial PRIMARY KEY,
  subject       text NOT NULL,
  colour        text NOT NULL,
  previous      text,
  reasons       jsonb NOT NULL,
  rule_set      text NOT NULL,
  rule_version  text NOT NULL,
  cause         text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX health_status_history_subject ON health_status_history (subject, seq);

-- People whose status must be recomputed soon (appeal decisions, purges, explicit requests).
CREATE TABLE hc_dirty (
  subject      text PRIMARY KEY,
  cause        text NOT NULL,
  enqueued_at  timestamptz NOT NULL DEFAULT now()
);

-- How far the recompute worker has followed ingest batches and risk-area changes.
CREATE TABLE hc_watermarks (
  name   text PRIMARY KEY,
  value  text NOT NULL
);

-- Full recompute jobs: resumable from `cursor` (the last subject done).
CREATE TABLE hc_jobs (
  id            text PRIMARY KEY,
  status        text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  cursor        text,
  processed     bigint NOT NULL DEFAULT 0,
  changed       bigint NOT NULL DEFAULT 0,
  error         text,
  started_by    text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);

-- A person's dispute of their status, and the responsible department's decision.
CREATE TABLE appeals (
  id               text PRIMARY KEY,
  subject          text NOT NULL,
  status           text NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
  reason           text NOT NULL,
  colour_at_filing text NOT NULL,
  rules_at_filing  jsonb NOT NULL,
  responsible      text NOT NULL REFERENCES departments(id),
  decided_by       text,
  decision_reason  text,
  override_colour  text CHECK (override_colour IN ('green', 'yellow', 'red')),
  override_until   timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz
);
CREATE INDEX appeals_subject ON appeals (subject, created_at);
CREATE INDEX appeals_open ON appeals (responsible, created_at) WHERE status = 'open';

-- Codes checked online at checkpoints and venues: for contact tracing, deleted after the retention window.
CREATE TABLE code_scans (
  id          bigserial PRIMARY KEY,
  subject     text NOT NULL,
  code_id     text NOT NULL,
  venue       text,
  checkpoint  text,
  colour      text NOT NULL,
  scanned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_scans_time ON code_scans (scanned_at);
CREATE INDEX code_scans_subject ON code_scans (subject, scanned_at);

-- The recompute worker finds the people a committed ingest batch touched.
CREATE INDEX records_batch ON records (batch_id);
