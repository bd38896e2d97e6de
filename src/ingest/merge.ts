import type { Queryable } from '../db/types.js';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
}

/**
 * Moves a batch's validated rows from staging into records, in the caller's transaction. Per key the last row of
 * the batch wins; a row identical to the current version (same content hash) adds nothing; a changed row closes
 * the current version and stores the next one, so history is kept.
 */
export async function mergeBatch(tx: Queryable, batchId: string, datasetId: string): Promise<MergeCounts> {
  // Batches of one dataset merge one at a time (PostgreSQL with several API processes).
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`govshare.records.${datasetId}`]);
  await tx.query(
    `CREATE TEMP TABLE merge_rows ON COMMIT DROP AS
       SELECT DISTINCT ON (record_key) record_key, subject, hash, data
       FROM ingest_staging WHERE batch_id = $1 ORDER BY record_key, row_no DESC`,
    [batchId],
  );
  const staged = await tx.query<{ rows: number; distinct_rows: number }>(
    `SELECT (SELECT count(*) FROM ingest_staging WHERE batch_id = $1)::int AS rows, (SELECT count(*) FROM merge_rows)::int AS distinct_rows`,
    [batchId],
  );
  const { rows, distinct_rows } = staged.rows[0]!;
  const closed = await tx.query(
    `UPDATE records r SET valid_to = now()
     FROM merge_rows s
     WHERE r.dataset_id = $1 AND r.record_key = s.record_key AND r.valid_to IS NULL AND r.hash <> s.hash`,
    [datasetId],
  );
  const written = await tx.query(
    `INSERT INTO records (dataset_id, record_key, version, subject, hash, data, batch_id, valid_from)
     SELECT $1, s.record_key,
            COALESCE((SELECT max(p.version) FROM records p WHERE p.dataset_id = $1 AND p.record_key = s.record_key), 0) + 1,
            s.subject, s.hash, s.data, $2, now()
     FROM merge_rows s
     WHERE NOT EXISTS (SELECT 1 FROM records c WHERE c.dataset_id = $1 AND c.record_key = s.record_key AND c.valid_to IS NULL)`,
    [datasetId, batchId],
  );
  await tx.query('DELETE FROM ingest_staging WHERE batch_id = $1', [batchId]);
  const updated = closed.rowCount;
  const inserted = written.rowCount - updated;
  await tx.query('UPDATE datasets SET record_count = record_count + $2, last_ingest_at = now() WHERE id = $1', [datasetId, inserted]);
  return { inserted, updated, unchanged: distinct_rows - written.rowCount, duplicates: rows - distinct_rows };
}
