import type { Ctx } from '../access/context.js';
import { requireDataReader } from '../access/policy.js';
import { requireDataset } from '../catalog/service.js';
import { notFound } from '../core/problem.js';

export interface RecordVersion {
  key: string;
  version: number;
  data: Record<string, unknown>;
  batchId: string;
  validFrom: string;
  validTo: string | null;
}

interface Row {
  record_key: string;
  version: number;
  data: Record<string, unknown>;
  batch_id: string;
  valid_from: Date | string;
  valid_to: Date | string | null;
}

const toVersion = (r: Row): RecordVersion => ({
  key: r.record_key,
  version: r.version,
  data: r.data,
  batchId: r.batch_id,
  validFrom: new Date(r.valid_from).toISOString(),
  validTo: r.valid_to === null ? null : new Date(r.valid_to).toISOString(),
});

// Direct reads of a dataset's records by its owner. Reads by other departments go through sharing grants.

export async function getRecord(ctx: Ctx, datasetId: string, key: string): Promise<RecordVersion> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataReader(ctx, ds.owner);
  const res = await ctx.db.query<Row>(
    'SELECT record_key, version, data, batch_id, valid_from, valid_to FROM records WHERE dataset_id = $1 AND record_key = $2 AND valid_to IS NULL',
    [datasetId, key],
  );
  if (!res.rows[0]) throw notFound('record_not_found', `Dataset ${datasetId} has no current record with key ${key}.`);
  return toVersion(res.rows[0]);
}

export async function getRecordHistory(ctx: Ctx, datasetId: string, key: string): Promise<RecordVersion[]> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataReader(ctx, ds.owner);
  const res = await ctx.db.query<Row>(
    'SELECT record_key, version, data, batch_id, valid_from, valid_to FROM records WHERE dataset_id = $1 AND record_key = $2 ORDER BY version',
    [datasetId, key],
  );
  if (res.rows.length === 0) throw notFound('record_not_found', `Dataset ${datasetId} has no record with key ${key}.`);
  return res.rows.map(toVersion);
}

export async function listRecords(ctx: Ctx, datasetId: string, limit: number, after?: string): Promise<{ items: RecordVersion[]; next: string | null }> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataReader(ctx, ds.owner);
  const res = await ctx.db.query<Row>(
    `SELECT record_key, version, data, batch_id, valid_from, valid_to FROM records
     WHERE dataset_id = $1 AND valid_to IS NULL AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key LIMIT $3`,
    [datasetId, after ?? null, limit],
  );
  const items = res.rows.map(toVersion);
  return { items, next: items.length === limit ? items[items.length - 1]!.key : null };
}
