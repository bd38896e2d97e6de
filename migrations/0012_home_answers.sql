-- The last answer of a person's home region (colour and reasons), kept so an online check reads it instead of
-- asking the home region on every scan: a worker refreshes it when a check finds it missing or stale. See
-- docs/federation.md, "One status per person".
CREATE TABLE fed_home_answers (
  subject      text PRIMARY KEY,
  region       text NOT NULL,
  answer       jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
