import { quoteIdent } from '../db/copy.js';

// The merge itself lives behind the records door (records/write.ts); ingest keeps its staging table.
export { mergeBatch, type MergeCounts } from '../records/write.js';

/** Columns of a batch's staging table, in COPY order. */
export const STAGE_COLUMNS = ['row_no', 'record_key', 'subject', 'region', 'hash', 'data'] as const;

export const stageTableSql = (table: string): string =>
  `CREATE UNLOGGED TABLE ${quoteIdent(table)} (row_no integer NOT NULL, record_key text NOT NULL, subject text, region text, hash text NOT NULL, data jsonb NOT NULL)`;
