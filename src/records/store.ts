// SQL shared by the modules of the records door (src/records/). Internal: nothing outside src/records/ imports it;
// other folders call the purpose-named functions of system.ts, person.ts and write.ts.
import type { Queryable } from '../db/types.js';

/** Serialises every change of one dataset's records (ingest merges, retention purges), across processes. */
export async function lockDataset(tx: Queryable, datasetId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`govshare.records.${datasetId}`]);
}

/** The columns of a current row as the health-code rules read it. */
export const ROW_COLUMNS = 'dataset_id, record_key, subject, data';

/**
 * Cases and contacts received from other regions (fed_facts, docs/federation.md) read like records of two
 * pseudo-datasets; their key is `<sending region>/<message id>`, so a reason names the region that decided it.
 */
export const FED_COLUMNS = `'federation:' || kind AS dataset_id, from_region || '/' || message_id AS record_key, subject, data`;

/** Index entries read per wanted subject (a person has a handful of current records). */
export const ENTRIES_PER_SUBJECT = 8;
