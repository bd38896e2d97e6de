// Incremental recompute: follows committed ingest batches of source datasets, risk-area changes and the queue of
// people marked dirty, and recomputes only the people they touch. node/workers.ts runs drainOnce every second.
import { audit, makeCtx } from '../../access/context.js';
import type { Platform } from '../../platform/platform.js';
import { systemPrincipal } from '../../access/principal.js';
import type { Queryable } from '../../db/types.js';
import { areasChangedSince } from '../../riskareas/service.js';
import { subjectsOfBatches, subjectsWithValues, SystemRead } from '../../records/system.js';
import { loadSources } from '../facts/sources.js';
import { recomputeSubjects } from './service.js';

/** Batches and area changes are re-read this far behind the watermark, so a late commit is not missed. */
const OVERLAP_MS = 10_000;
const DIRTY_BATCH = 5_000;

export async function getWatermark(q: Queryable, name: string): Promise<string> {
  const res = await q.query<{ value: string }>('SELECT value FROM hc_watermarks WHERE name = $1', [name]);
  return res.rows[0]?.value ?? new Date(0).toISOString();
}

export async function setWatermark(q: Queryable, name: string, value: string): Promise<void> {
  await q.query(
    `INSERT INTO hc_watermarks (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = GREATEST(hc_watermarks.value, excluded.value)`,
    [name, value],
  );
}

const iso = (v: Date | string): string => new Date(v).toISOString();
const behind = (wm: string): string => new Date(Date.parse(wm) - OVERLAP_MS).toISOString();

/** What this process has already handled inside the overlap window (batch ids, area id@updated_at). */
const seen = new WeakMap<Platform, Set<string>>();

async function batchSubjects(
  run: SystemRead,
  done: Set<string>,
): Promise<{ subjects: string[]; watermark: string | undefined }> {
  const q = run.platform.db;
  const sources = await loadSources(q, true);
  const datasets = [...new Set(sources.map((s) => s.dataset))];
  if (datasets.length === 0) return { subjects: [], watermark: undefined };
  const wm = await getWatermark(q, 'batches');
  const res = await q.query<{ id: string; finished_at: Date | string }>(
    `SELECT id, finished_at FROM ingest_batches WHERE status = 'committed' AND finished_at > $1 AND dataset_id = ANY($2::text[]) ORDER BY finished_at LIMIT 500`,
    [behind(wm), datasets],
  );
  const fresh = res.rows.filter((b) => !done.has(`b:${b.id}`));
  if (fresh.length === 0) return { subjects: [], watermark: undefined };
  const subjects = await subjectsOfBatches(
    run,
    fresh.map((b) => b.id),
  );
  for (const b of fresh) done.add(`b:${b.id}`);
  return { subjects, watermark: iso(res.rows[res.rows.length - 1]!.finished_at) };
}

async function areaSubjects(
  run: SystemRead,
  done: Set<string>,
): Promise<{ subjects: string[]; watermark: string | undefined }> {
  const q = run.platform.db;
  const wm = await getWatermark(q, 'risk_areas');
  const changed = (await areasChangedSince(q, behind(wm))).slice(0, 500);
  const fresh = changed.filter((a) => !done.has(`a:${a.id}@${a.updatedAt}`));
  if (fresh.length === 0) return { subjects: [], watermark: undefined };
  const places = [...new Set(fresh.flatMap((a) => a.places))];
  const subjects = new Set<string>();
  for (const s of await loadSources(q)) {
    const field = s.kind === 'scans' ? s.fields['venue_code'] : s.kind === 'arrivals' ? s.fields['station'] : undefined;
    if (!field) continue;
    for (const x of await subjectsWithValues(run, s.dataset, field, places)) subjects.add(x);
  }
  for (const a of fresh) done.add(`a:${a.id}@${a.updatedAt}`);
  return { subjects: [...subjects], watermark: iso(changed[changed.length - 1]!.updatedAt) };
}

async function dirtySubjects(q: Queryable): Promise<string[]> {
  const res = await q.query<{ subject: string }>(
    'DELETE FROM hc_dirty WHERE subject IN (SELECT subject FROM hc_dirty ORDER BY enqueued_at LIMIT $1) RETURNING subject',
    [DIRTY_BATCH],
  );
  return res.rows.map((r) => r.subject);
}

export interface DrainResult {
  batches: number;
  areas: number;
  dirty: number;
  processed: number;
  changed: number;
}

/** One pass: finds the people touched since the last pass and recomputes exactly them. */
export async function drainOnce(platform: Platform, now?: Date): Promise<DrainResult> {
  let done = seen.get(platform);
  if (!done) seen.set(platform, (done = new Set()));
  if (done.size > 100_000) done.clear();
  // Finding the people touched reads records in system mode: one `records.read` entry per pass that found any.
  const run = new SystemRead(platform, 'healthcode.recompute');
  const fromBatches = await batchSubjects(run, done);
  const fromAreas = await areaSubjects(run, done);
  await run.audit({ kind: 'incremental', step: 'touched' });
  const fromQueue = await dirtySubjects(platform.db);
  const all = [...new Set([...fromBatches.subjects, ...fromAreas.subjects, ...fromQueue])];
  const result: DrainResult = {
    batches: fromBatches.subjects.length,
    areas: fromAreas.subjects.length,
    dirty: fromQueue.length,
    processed: 0,
    changed: 0,
  };
  if (all.length > 0) {
    const causes = [
      fromBatches.subjects.length ? 'new-data' : '',
      fromAreas.subjects.length ? 'risk-area' : '',
      fromQueue.length ? 'queued' : '',
    ]
      .filter(Boolean)
      .join('+');
    const r = await recomputeSubjects(platform, all, causes, now, { freshEnv: true });
    result.processed = r.processed;
    result.changed = r.changed;
    await audit(makeCtx(platform, systemPrincipal('healthcode.recompute')), {
      action: 'healthcode.recompute',
      outcome: 'ok',
      detail: { kind: 'incremental', cause: causes, processed: r.processed, changed: r.changed },
    });
  }
  if (fromBatches.watermark) await setWatermark(platform.db, 'batches', fromBatches.watermark);
  if (fromAreas.watermark) await setWatermark(platform.db, 'risk_areas', fromAreas.watermark);
  return result;
}
