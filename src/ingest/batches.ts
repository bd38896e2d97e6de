import { createHash } from 'node:crypto';
import type { Ctx } from '../access/context.js';
import { callerDepartment } from '../access/policy.js';
import type { LocalizedText } from '../core/i18n.js';
import { notFound, type Problem } from '../core/problem.js';
import { quoteIdent } from '../db/copy.js';
import type { Db } from '../db/types.js';
import type { RejectedRow } from './schema.js';

/** The batch's own staging table (a safe identifier derived from the batch id). */
export const stageTableOf = (batchId: string): string =>
  `ingest_stage_${createHash('sha256').update(batchId).digest('hex').slice(0, 24)}`;

/** What a batch has read so far: rows, and of them rejected. */
export interface Progress {
  total: number;
  rejected: number;
}

/**
 * Marks a running batch failed with what it had read, then drops its staging table (the batch row is locked first,
 * as the merge and the clean-up of abandoned batches do, so the three never wait on each other in a circle).
 */
export async function failBatch(db: Db, batchId: string, problem: Problem, counts: Progress): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE ingest_batches SET status = 'failed', error = $2, rows_total = $3, rows_rejected = $4, finished_at = now(),
       lease_until = NULL WHERE id = $1 AND status = 'running'`,
      [
        batchId,
        JSON.stringify({ code: problem.code, detail: problem.detail ?? problem.title }),
        counts.total,
        counts.rejected,
      ],
    );
    await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(stageTableOf(batchId))}`);
  });
}

export interface BatchInfo {
  id: string;
  dataset: string;
  department: string;
  format: string;
  profile: string | null;
  atomic: boolean;
  status: string;
  rowsTotal: number;
  rowsRejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  error: unknown;
  startedAt: string;
  finishedAt: string | null;
}

// One answer for a batch that does not exist and for one the caller may not see, so that the answer does not tell
// which batch ids are real.
const NOT_FOUND = () => notFound('batch_not_found', 'There is no ingest batch with this id that you may see.');

/**
 * A batch as the department that wrote it (its dataset's owner) sees it; the node itself sees every batch. A batch
 * lists rejected rows and the messages about them, so no one else sees it, not even a data-center administrator.
 */
export async function getBatch(ctx: Ctx, batchId: string): Promise<BatchInfo> {
  const res = await ctx.db.query<Record<string, unknown>>(
    'SELECT b.*, d.owner_id FROM ingest_batches b JOIN datasets d ON d.id = b.dataset_id WHERE b.id = $1',
    [batchId],
  );
  const r = res.rows[0];
  const dept = callerDepartment(ctx);
  if (!r || (dept !== undefined && dept !== r.owner_id && dept !== r.department_id)) throw NOT_FOUND();
  return {
    id: String(r.id),
    dataset: String(r.dataset_id),
    department: String(r.department_id),
    format: String(r.format),
    profile: (r.profile as string | null) ?? null,
    atomic: Boolean(r.atomic),
    status: String(r.status),
    rowsTotal: Number(r.rows_total),
    rowsRejected: Number(r.rows_rejected),
    inserted: Number(r.rows_inserted),
    updated: Number(r.rows_updated),
    unchanged: Number(r.rows_unchanged),
    error: r.error ?? null,
    startedAt: new Date(r.started_at as string).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at as string).toISOString() : null,
  };
}

export async function getBatchRejects(
  ctx: Ctx,
  batchId: string,
  offset: number,
  limit: number,
): Promise<{ total: number; items: RejectedRow[] }> {
  await getBatch(ctx, batchId);
  const total = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_rejects WHERE batch_id = $1', [
    batchId,
  ]);
  const res = await ctx.db.query<{
    row_no: number;
    field: string | null;
    element: string | null;
    code: string;
    message: LocalizedText;
  }>(
    'SELECT row_no, field, element, code, message FROM ingest_rejects WHERE batch_id = $1 ORDER BY seq LIMIT $2 OFFSET $3',
    [batchId, limit, offset],
  );
  return {
    total: total.rows[0]?.n ?? 0,
    items: res.rows.map((r) => ({
      row: r.row_no,
      field: r.field,
      element: r.element,
      code: r.code,
      message: r.message[ctx.lang],
    })),
  };
}
