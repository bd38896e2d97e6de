-- A running ingest batch is owned by the process running it, through a lease that process renews every few seconds
-- (ingest/lease.ts): lease_owner names the process, lease_until is when the lease lapses unless renewed (the
-- database's clock, so the clocks of API processes never matter). A running batch whose lease has lapsed belongs to
-- a process that died: the next sweep marks it failed and drops its staging table. Each renewal also records how
-- many rows the batch has read and rejected so far, so an abandoned batch keeps its real counts.
ALTER TABLE ingest_batches ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
CREATE INDEX ingest_batches_running ON ingest_batches (lease_until) WHERE status = 'running';
