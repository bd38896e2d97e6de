-- 0001 foundation: data standard, departments and tokens, catalog, ingest, records.
-- Runs unchanged on PostgreSQL 15+ and PGlite. Objects are created in the current search_path.

-- standard/: the registry of standard data elements. Built-in elements are seeded by the application.
CREATE TABLE data_elements (
  code        text PRIMARY KEY,
  version     integer NOT NULL DEFAULT 1,
  definition  jsonb NOT NULL,
  builtin     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- departments/: the data subjects. role admin = the data center that runs the node.
CREATE TABLE departments (
  id           text PRIMARY KEY,
  name_zh      text NOT NULL,
  name_en      text NOT NULL,
  credit_code  text NOT NULL UNIQUE,
  level        text NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district')),
  region       text NOT NULL CHECK (region ~ '^[0-9]{6}$'),
  role         text NOT NULL CHECK (role IN ('admin', 'department')),
  contact      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- auth/: API tokens. Only a SHA-256 hash of the secret is stored.
CREATE TABLE api_tokens (
  id             text PRIMARY KEY,
  department_id  text NOT NULL REFERENCES departments(id),
  name           text NOT NULL,
  token_hash     text NOT NULL UNIQUE,
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz,
  revoked_at     timestamptz,
  last_used_at   timestamptz
);
CREATE INDEX api_tokens_department ON api_tokens (department_id);

-- catalog/: datasets, each owned by one department that answers for it.
CREATE TABLE datasets (
  id                text PRIMARY KEY,
  owner_id          text NOT NULL REFERENCES departments(id),
  title             jsonb NOT NULL,
  description       jsonb NOT NULL,
  fields            jsonb NOT NULL,
  key_fields        jsonb NOT NULL,
  subject_field     text,
  update_frequency  text NOT NULL,
  coverage          jsonb NOT NULL,
  sharing_class     text NOT NULL CHECK (sharing_class IN ('unconditional', 'conditional', 'not_shared')),
  legal_basis       text,
  open              boolean NOT NULL DEFAULT false,
  keywords          jsonb NOT NULL DEFAULT '[]'::jsonb,
  version           integer NOT NULL DEFAULT 1,
  record_count      bigint NOT NULL DEFAULT 0,
  last_ingest_at    timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (sharing_class <> 'not_shared' OR (legal_basis IS NOT NULL AND length(legal_basis) > 0))
);
CREATE INDEX datasets_owner ON datasets (owner_id);

-- Every published version of a dataset's metadata is kept.
CREATE TABLE dataset_versions (
  dataset_id  text NOT NULL REFERENCES datasets(id),
  version     integer NOT NULL,
  definition  jsonb NOT NULL,
  changed_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, version)
);

-- ingest/: mapping profiles translate a department's local columns and codes into the standard.
CREATE TABLE mapping_profiles (
  dataset_id  text NOT NULL REFERENCES datasets(id),
  name        text NOT NULL,
  spec        jsonb NOT NULL,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, name)
);

CREATE TABLE ingest_batches (
  id              text PRIMARY KEY,
  dataset_id      text NOT NULL REFERENCES datasets(id),
  department_id   text NOT NULL REFERENCES departments(id),
  format          text NOT NULL,
  profile         text,
  atomic          boolean NOT NULL DEFAULT false,
  status          text NOT NULL CHECK (status IN ('running', 'committed', 'rejected', 'failed')),
  rows_total      integer NOT NULL DEFAULT 0,
  rows_rejected   integer NOT NULL DEFAULT 0,
  rows_inserted   integer NOT NULL DEFAULT 0,
  rows_updated    integer NOT NULL DEFAULT 0,
  rows_unchanged  integer NOT NULL DEFAULT 0,
  error           jsonb,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX ingest_batches_dataset ON ingest_batches (dataset_id, started_at);

CREATE TABLE ingest_rejects (
  batch_id  text NOT NULL REFERENCES ingest_batches(id) ON DELETE CASCADE,
  seq       integer NOT NULL,
  row_no    integer NOT NULL,
  field     text,
  element   text,
  code      text NOT NULL,
  message   jsonb NOT NULL,
  PRIMARY KEY (batch_id, seq)
);

-- Validated rows of a running batch wait in an UNLOGGED table of their own (ingest_stage_<batch>), created and
-- dropped by ingest/pipeline.ts, until the whole batch is merged into records in one transaction.

-- Records of every dataset, every version. valid_to IS NULL marks the current version; merges of one dataset are
-- serialised by an advisory lock, so at most one version per key is current.
CREATE TABLE records (
  dataset_id  text NOT NULL REFERENCES datasets(id),
  record_key  text NOT NULL,
  version     integer NOT NULL,
  subject     text,
  hash        text NOT NULL,
  data        jsonb NOT NULL,
  batch_id    text NOT NULL,
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz,
  PRIMARY KEY (dataset_id, record_key, version)
);
CREATE INDEX records_subject ON records (subject, dataset_id) WHERE valid_to IS NULL AND subject IS NOT NULL;
