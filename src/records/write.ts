// The one write path into records: an ingest batch's validated rows merged from its staging table into versioned
// records (owner mode: only the dataset's owner ingests; ingest/ checks that and audits the batch).
import { quoteIdent } from '../db/copy.js';
import type { Queryable } from '../db/types.js';
import { lockDataset } from './store.js';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
}

/**
 * Moves a batch's validated rows from its staging table into records, in the caller's transaction, in one
 * statement. Per key the last row of the batch wins; a row identical to the current version (same content hash)
 * adds nothing; a changed row closes the current version and stores the next one, so history is kept.
 */
export async function mergeBatch(
  tx: Queryable,
  stageTable: string,
  batchId: string,
  datasetId: string,
): Promise<MergeCounts> {
  // Batches of one dataset merge one at a time (several API processes on PostgreSQL), and never during a purge.
  await lockDataset(tx, datasetId);
  // Sorting a large batch by key in memory instead of on disk (this transaction only).
  await tx.query(`SELECT set_config('work_mem', '256MB', true)`);
  const stage = quoteIdent(stageTable);
  const res = await tx.query<{ staged: number; distinct_rows: number; updated: number; written: number }>(
    `WITH s AS (
       SELECT DISTINCT ON (record_key) record_key, subject, region, hash, data FROM ${stage} ORDER BY record_key, row_no DESC
     ), m AS (
       SELECT s.*, c.version AS cur_version, c.hash AS cur_hash
       FROM s LEFT JOIN records c ON c.dataset_id = $1 AND c.record_key = s.record_key AND c.valid_to IS NULL
     ), closed AS (
       UPDATE records r SET valid_to = now() FROM m
       WHERE m.cur_version IS NOT NULL AND m.cur_hash <> m.hash
         AND r.dataset_id = $1 AND r.record_key = m.record_key AND r.version = m.cur_version
       RETURNING 1
     ), written AS (
       INSERT INTO records (dataset_id, record_key, version, subject, region, hash, data, batch_id, valid_from)
       SELECT $1, record_key, COALESCE(cur_version, 0) + 1, subject, region, hash, data, $2, now()
       FROM m WHERE cur_version IS NULL OR cur_hash <> hash
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM ${stage})::int AS staged, (SELECT count(*) FROM m)::int AS distinct_rows,
            (SELECT count(*) FROM closed)::int AS updated, (SELECT count(*) FROM written)::int AS written`,
    [datasetId, batchId],
  );
  const { staged, distinct_rows, updated, written } = res.rows[0]!;
  const inserted = written - updated;
  await tx.query('UPDATE datasets SET record_count = record_count + $2, last_ingest_at = now() WHERE id = $1', [
    datasetId,
    inserted,
  ]);
  return { inserted, updated, unchanged: distinct_rows - written, duplicates: staged - distinct_rows };
}
