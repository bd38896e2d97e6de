-- Messages refused by the inbox (each also audited), for operators: `govshare federation status` shows the latest.
CREATE TABLE fed_rejections (
  seq          bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  reason       text NOT NULL,
  from_region  text,
  message_id   text,
  detail       text NOT NULL
);
