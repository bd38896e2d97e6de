// Retention of movement data (PIPL: keep only as long as needed, then delete). Venue scans, checkpoint scans and
// travel itineraries are deleted once they are older than the node's window (platform.settings.retentionDays,
// default 21 days):
//
// - `code_scans`: rows scanned before the cutoff;
// - every dataset with a field of element `scan_time` (venue scans) or `departure_time` (itineraries): each record
//   version (current and old) whose time is before the cutoff. A record's time is the latest of its `scan_time`,
//   `departure_time` and `arrival_time` values (level-3 elements, stored in clear in `data`, ISO 8601 compared as
//   timestamptz); a version with none of them is kept. When a record's current version goes, its older versions go
//   with it: the key is then gone as a whole, and a later ingest of the same key starts again at version 1.
//
// Each dataset is purged in one transaction under the same advisory lock ingest merges take, so a purge never
// interleaves with a merge and `datasets.record_count` (the number of current records) stays exact. The people
// whose records went are queued in `hc_dirty` (cause 'retention') for the status worker to recompute.
//
// Every purge appends one audit entry, action `retention.purge`, with the counts. The last purge is also kept in
// `hc_watermarks` under the name 'retention.last_purge' (shared by every process on the database and surviving
// restarts), for GET /api/v1/admin/retention; its `auditSeq` points at the ledger entry.
import { audit, makeCtx, type Ctx } from '../../access/context.js';
import type { Platform } from '../../platform/platform.js';
import { systemPrincipal } from '../../access/principal.js';
import { requireAdmin } from '../../access/policy.js';
import type { Queryable } from '../../db/types.js';
import { purgeVersionsBefore, SystemRead } from '../../records/system.js';

/** The elements that make a dataset subject to retention, and the ones whose values date a record. */
export const RETENTION_TRIGGER_ELEMENTS = ['scan_time', 'departure_time'] as const;
export const RETENTION_TIME_ELEMENTS = ['scan_time', 'departure_time', 'arrival_time'] as const;

export interface PurgeResult {
  /** ISO 8601: everything dated before this was deleted. */
  cutoff: string;
  datasets: { dataset: string; deleted: number }[];
  codeScans: number;
}

export interface LastPurge extends PurgeResult {
  /** When the purge ran (ISO 8601). */
  at: string;
  /** The ledger entry that records it. */
  auditSeq: number;
}

export interface RetentionStatus {
  retentionDays: number;
  /** The cutoff a purge would use now. */
  cutoff: string;
  /** The datasets a purge covers, with the fields that date their records. */
  datasets: { dataset: string; timeFields: string[] }[];
  lastPurge: LastPurge | null;
}

const WATERMARK = 'retention.last_purge';
const DAY_MS = 86_400_000;

/** The cutoff for a window of `days` days before `now`. */
export const cutoffOf = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/** The datasets under retention and, per dataset, the names of the fields that date a record. */
export async function retentionDatasets(q: Queryable): Promise<{ dataset: string; timeFields: string[] }[]> {
  const res = await q.query<{ id: string; fields: { name: string; element: string }[] }>(
    `SELECT id, fields FROM datasets WHERE ${RETENTION_TRIGGER_ELEMENTS.map((_, i) => `fields @> $${i + 1}::jsonb`).join(' OR ')} ORDER BY id`,
    RETENTION_TRIGGER_ELEMENTS.map((e) => JSON.stringify([{ element: e }])),
  );
  return res.rows.map((r) => ({
    dataset: r.id,
    timeFields: r.fields
      .filter((f) => (RETENTION_TIME_ELEMENTS as readonly string[]).includes(f.element))
      .map((f) => f.name),
  }));
}

/**
 * Deletes venue scans, checkpoint scans and itineraries older than the retention window, one transaction per
 * dataset, and audits the purge (one `retention.purge` entry with the counts) as `actor` (default: the node).
 * A dataset that fails is left exactly as it was; the others are still purged, the entry says `failed`, and the
 * first error is thrown after the entry is written.
 */
export async function purgeExpired(platform: Platform, now: Date = new Date(), actor?: Ctx): Promise<PurgeResult> {
  const ctx = actor ?? makeCtx(platform, systemPrincipal('retention'));
  const cutoff = cutoffOf(now, platform.settings.retentionDays);
  // The purge reaches records in system mode through the records door; this run's `retention.purge` entry names
  // the job, its purpose and the counts.
  const run = new SystemRead(platform, 'retention.purge');
  const datasets: PurgeResult['datasets'] = [];
  const failures: { dataset: string; error: unknown }[] = [];
  for (const { dataset, timeFields } of await retentionDatasets(platform.db)) {
    if (timeFields.length === 0) continue;
    try {
      datasets.push({ dataset, deleted: await purgeVersionsBefore(run, dataset, timeFields, cutoff) });
    } catch (error) {
      failures.push({ dataset, error });
    }
  }
  let codeScans = 0;
  try {
    codeScans = (
      await platform.db.query('DELETE FROM code_scans WHERE scanned_at < $1::timestamptz', [cutoff.toISOString()])
    ).rowCount;
  } catch (error) {
    failures.push({ dataset: 'code_scans', error });
  }
  const result: PurgeResult = { cutoff: cutoff.toISOString(), datasets, codeScans };
  const at = new Date().toISOString();
  const seq = await audit(ctx, {
    action: 'retention.purge',
    outcome: failures.length > 0 ? 'failed' : 'ok',
    purpose: run.purpose,
    detail: {
      mode: 'system',
      job: run.job,
      retentionDays: platform.settings.retentionDays,
      cutoff: result.cutoff,
      datasets: Object.fromEntries(datasets.map((d) => [d.dataset, d.deleted])),
      records: datasets.reduce((n, d) => n + d.deleted, 0),
      codeScans,
      ...(failures.length > 0 ? { failed: failures.map((f) => f.dataset) } : {}),
    },
  });
  const last: LastPurge = { ...result, at, auditSeq: seq };
  await platform.db.query(
    `INSERT INTO hc_watermarks (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
    [WATERMARK, JSON.stringify(last)],
  );
  if (failures.length > 0) throw failures[0]!.error;
  return result;
}

/** A purge now, by an administrator (the real clock; the caller is the audited actor). */
export async function purgeNow(ctx: Ctx): Promise<PurgeResult> {
  requireAdmin(ctx);
  return purgeExpired(ctx.platform, new Date(), ctx);
}

/** The most recent purge by any process on this database, or null. */
export async function lastPurge(q: Queryable): Promise<LastPurge | null> {
  const res = await q.query<{ value: string }>('SELECT value FROM hc_watermarks WHERE name = $1', [WATERMARK]);
  const v = res.rows[0]?.value;
  return v === undefined ? null : (JSON.parse(v) as LastPurge);
}

/** The window, the datasets it covers and the last purge (administrator). */
export async function retentionStatus(ctx: Ctx): Promise<RetentionStatus> {
  requireAdmin(ctx);
  const days = ctx.platform.settings.retentionDays;
  return {
    retentionDays: days,
    cutoff: cutoffOf(new Date(), days).toISOString(),
    datasets: await retentionDatasets(ctx.db),
    lastPurge: await lastPurge(ctx.db),
  };
}
