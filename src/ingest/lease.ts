// Batch ownership. A running batch belongs to the process reading it through a lease in its ingest_batches row
// (lease_owner, lease_until; migrations/0011), renewed every few seconds while the batch runs. A batch whose lease
// has lapsed belongs to a process that died (kill -9, a crash, a lost machine): the sweep marks it failed with the
// counts of its last renewal and drops its staging table. A batch of a live process, in this API process or another
// one on the same database, always has a fresh lease and is never touched.
import { randomBytes } from 'node:crypto';
import { audit, makeCtx } from '../access/context.js';
import { systemPrincipal } from '../access/principal.js';
import { Problem } from '../core/problem.js';
import { quoteIdent } from '../db/copy.js';
import type { Db, Queryable } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import { stageTableOf, type Progress } from './batches.js';

/** How long a lease lasts unless renewed; its holder renews it four times in that span. */
export const LEASE_SECONDS = 20;
const RENEW_MS = 5_000;
/** How often each process looks for batches whose lease has lapsed. */
export const SWEEP_MS = 10_000;
/**
 * Batches registered before leases existed have none; their process is taken for dead an hour after they started
 * (a lease-less batch can only come from a process of an older version).
 */
const NO_LEASE_HOURS = 1;

/** This process as a lease owner: its pid (for people reading the table) and a random part (pids are reused). */
export const LEASE_OWNER = `pid${process.pid}-${randomBytes(6).toString('base64url')}`;

/** The batch's lease was lost: the process stalled longer than a lease and a sweep gave the batch up. */
export const leaseLost = (): Problem =>
  new Problem({
    status: 503,
    code: 'batch_lease_lost',
    title: 'Service unavailable',
    detail: 'The server stalled while reading this batch and gave it up; nothing of it was stored. Send it again.',
  });

/** Keeps a running batch's lease fresh and its progress recorded until stopped. */
export class BatchLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** Set when a renewal found the batch no longer ours (given up by a sweep): the reader stops. */
  lost = false;

  constructor(
    private readonly db: Db,
    private readonly batchId: string,
    private readonly progress: () => Progress,
    renewMs = RENEW_MS,
  ) {
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    }, renewMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const p = this.progress();
    try {
      const res = await this.db.query(
        `UPDATE ingest_batches SET lease_until = now() + make_interval(secs => $3), rows_total = $4, rows_rejected = $5
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
        [this.batchId, LEASE_OWNER, LEASE_SECONDS, p.total, p.rejected],
      );
      if (res.rowCount === 0) this.lost = true;
    } catch {
      // The database is unreachable for now: the next renewal tries again; if the lease lapses meanwhile, the
      // batch is given up and its end (holdLease) notices.
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
  }
}

/**
 * In the transaction that ends a batch, first of all: locks the batch row and checks the lease is still ours and
 * the batch still running, so a batch given up by a sweep is never also merged.
 */
export async function holdLease(tx: Queryable, batchId: string): Promise<void> {
  const res = await tx.query(
    `SELECT 1 FROM ingest_batches WHERE id = $1 AND status = 'running' AND lease_owner = $2 FOR UPDATE`,
    [batchId, LEASE_OWNER],
  );
  if (res.rows.length === 0) throw leaseLost();
}

/** Whether the batch is still running under this process's lease (after an error: was it given up?). */
export async function stillLeased(db: Db, batchId: string): Promise<boolean> {
  const res = await db.query(`SELECT 1 FROM ingest_batches WHERE id = $1 AND status = 'running' AND lease_owner = $2`, [
    batchId,
    LEASE_OWNER,
  ]);
  return res.rows.length > 0;
}

const LAPSED = `(lease_until < now() OR (lease_until IS NULL AND started_at < now() - make_interval(hours => ${NO_LEASE_HOURS})))`;

/**
 * Gives up every running batch whose lease has lapsed (every running batch when `all`: at the start of a node on
 * PGlite, whose data directory no other process can have open): marks it failed with the counts of its last renewal,
 * drops its staging table, and audits it. Then drops staging tables no running batch owns. Returns the batches
 * given up.
 */
export async function cleanupStaleBatches(platform: Platform, opts: { all?: boolean } = {}): Promise<number> {
  const db = platform.db;
  const cond = opts.all ? 'true' : LAPSED;
  const stale = await db.query<{ id: string }>(`SELECT id FROM ingest_batches WHERE status = 'running' AND ${cond}`);
  const error = JSON.stringify({
    code: 'batch_abandoned',
    detail: 'The process reading this batch stopped before it finished; nothing of it was stored.',
  });
  let given = 0;
  for (const { id } of stale.rows) {
    // The condition again, under the row lock: a renewal or the batch's own end may have come in between.
    const done = await db.transaction(async (tx) => {
      const res = await tx.query<{ dataset_id: string; rows_total: number; rows_rejected: number }>(
        `UPDATE ingest_batches SET status = 'failed', error = $2, finished_at = now(), lease_until = NULL
         WHERE id = $1 AND status = 'running' AND ${cond} RETURNING dataset_id, rows_total, rows_rejected`,
        [id, error],
      );
      if (res.rows.length > 0) await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(stageTableOf(id))}`);
      return res.rows[0];
    });
    if (!done) continue;
    given += 1;
    await audit(makeCtx(platform, systemPrincipal('ingest.cleanup')), {
      action: 'records.write',
      outcome: 'failed',
      dataset: done.dataset_id,
      reason: 'batch_abandoned',
      detail: { batch: id, rows: done.rows_total, rejected: done.rows_rejected },
    });
  }
  await dropOrphanStages(db);
  return given;
}

/**
 * Staging tables whose batch is not running (its end dropped the table but did not commit, say). The tables are
 * listed before the running batches: a table made after the listing is not in it, and one in it was made after its
 * batch was registered, so its batch, if still running, is in the second list.
 */
async function dropOrphanStages(db: Db): Promise<void> {
  const tables = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^ingest_stage_[0-9a-f]{24}$'`,
  );
  if (tables.rows.length === 0) return;
  const running = await db.query<{ id: string }>(`SELECT id FROM ingest_batches WHERE status = 'running'`);
  const owned = new Set(running.rows.map((r) => stageTableOf(r.id)));
  for (const { name } of tables.rows) if (!owned.has(name)) await db.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
}
