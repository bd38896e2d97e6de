-- The official working-day calendar as the administrator keeps it: one row per year, replacing for that year the
-- built-in table of the State Council's arrangements (src/sharing/calendar/cn-holidays.ts). Dates are China dates
-- (YYYY-MM-DD). See README, "Working-day deadlines".
CREATE TABLE work_calendar (
  year        int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  holidays    jsonb NOT NULL,
  workdays    jsonb NOT NULL,
  note        text NOT NULL DEFAULT '',
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- How each deadline was counted: 'official' (every day in a covered year) or 'weekends-only' (part of it beyond
-- the covered years). Deadlines set before this migration skipped weekends only.
ALTER TABLE share_requests ADD COLUMN deadline_calendar text CHECK (deadline_calendar IN ('official', 'weekends-only'));
UPDATE share_requests SET deadline_calendar = 'weekends-only' WHERE deadline IS NOT NULL;
