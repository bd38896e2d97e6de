// The full recompute: every person the node has records or a status for, in subject order, a chunk per
// transaction, the cursor saved with each chunk, so a job interrupted by a crash or a restart resumes where it stopped.
import { audit, makeCtx, type Ctx } from '../../access/context.js';
import type { Platform } from '../../platform/platform.js';
import { requireAdmin } from '../../access/policy.js';
import { systemPrincipal } from '../../access/principal.js';
import { newId } from '../../core/ids.js';
import { notFound } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import type { RecordRow } from '../facts/build.js';
import { currentRowsOfRange, subjectsAfter, SystemRead } from '../../records/system.js';
import { computeEnv, evaluateChunk, priorOf, type ComputeEnv } from './compute.js';
import { writeChanged } from './store.js';
import type { PersonStatus } from './types.js';
import { setWatermark } from './worker.js';

export interface Job {
  id: string;
  status: 'running' | 'done' | 'failed';
  cursor: string | null;
  processed: number;
  changed: number;
  error: string | null;
  startedBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

interface JobRow {
  id: string;
  status: Job['status'];
  cursor: string | null;
  processed: string | number;
  changed: string | number;
  error: string | null;
  started_by: string;
  started_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
}

const iso = (v: Date | string): string => new Date(v).toISOString();
const toJob = (r: JobRow): Job => ({
  id: r.id,
  status: r.status,
  cursor: r.cursor,
  processed: Number(r.processed),
  changed: Number(r.changed),
  error: r.error,
  startedBy: r.started_by,
  startedAt: iso(r.started_at),
  updatedAt: iso(r.updated_at),
  finishedAt: r.finished_at === null ? null : iso(r.finished_at),
});

export const CHUNK_SUBJECTS = 5_000;

export async function getJob(q: Queryable, id: string): Promise<Job> {
  const res = await q.query<JobRow>('SELECT * FROM hc_jobs WHERE id = $1', [id]);
  if (!res.rows[0]) throw notFound('job_not_found', `No recompute job ${id}.`);
  return toJob(res.rows[0]);
}

export async function listJobs(q: Queryable, limit = 20): Promise<Job[]> {
  const res = await q.query<JobRow>('SELECT * FROM hc_jobs ORDER BY started_at DESC LIMIT $1', [limit]);
  return res.rows.map(toJob);
}

interface Chunk {
  subjects: string[];
  rows: RecordRow[];
  previous: Map<string, PersonStatus>;
  overridden: Map<string, { appeal: string; colour: PersonStatus['colour'] }>;
}

/**
 * Everything the next chunk needs from the database (reads only). The chunk's reads of records are system-mode
 * reads of the recompute job, audited as one `records.read` entry per chunk (job, purpose, counts) before use.
 */
async function fetchChunk(
  platform: Platform,
  job: string,
  cursor: string,
  env: ComputeEnv,
  size: number,
): Promise<Chunk> {
  const q = platform.db;
  const run = new SystemRead(platform, 'healthcode.recompute', job);
  const subjects = await subjectsAfter(run, q, cursor, size);
  if (subjects.length === 0) return { subjects, rows: [], previous: new Map(), overridden: new Map() };
  const [rows, prior] = await Promise.all([
    currentRowsOfRange(run, q, cursor, subjects[subjects.length - 1]!, env.datasets),
    priorOf(q, subjects, env.now),
  ]);
  await run.audit({ kind: 'full', subjects: subjects.length });
  return { subjects, rows, ...prior };
}

const quiet = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

const running = new WeakMap<Platform, Map<string, Promise<Job>>>();
/** Platforms whose workers are stopping: their jobs stop at the next chunk (they stay 'running', to resume). */
const pausing = new WeakSet<Platform>();

/**
 * Runs (or resumes) a job to its end, or until `maxChunks` chunks are done (then it stays 'running' and can be
 * resumed: used by tests to stand for an interruption). The next chunk is read while the current one is computed.
 */
export async function runJob(
  platform: Platform,
  id: string,
  opts: { maxChunks?: number; now?: Date; chunkSize?: number } = {},
): Promise<Job> {
  const db = platform.db;
  let job = await getJob(db, id);
  if (job.status !== 'running') return job;
  try {
    const env = await computeEnv(platform, opts.now);
    const size = opts.chunkSize ?? CHUNK_SUBJECTS;
    // A pipeline: while chunk N is evaluated here, chunk N-1 is written and chunk N+1 read by the database.
    let next = quiet(fetchChunk(platform, id, job.cursor ?? '', env, size));
    let writing: Promise<void> = Promise.resolve();
    for (let n = 0; (opts.maxChunks === undefined || n < opts.maxChunks) && !pausing.has(platform); n++) {
      const chunk = await next;
      if (chunk.subjects.length === 0) {
        await writing;
        await db.query(`UPDATE hc_jobs SET status = 'done', finished_at = now(), updated_at = now() WHERE id = $1`, [
          id,
        ]);
        job = await getJob(db, id);
        await audit(makeCtx(platform, systemPrincipal('healthcode.recompute')), {
          action: 'healthcode.recompute',
          outcome: 'ok',
          detail: { kind: 'full', job: id, processed: job.processed, changed: job.changed },
        });
        return job;
      }
      const last = chunk.subjects[chunk.subjects.length - 1]!;
      next = quiet(fetchChunk(platform, id, last, env, size));
      const e = evaluateChunk(platform, env, chunk.subjects, chunk.rows, chunk.previous, chunk.overridden);
      await writing;
      // Unchanged statuses are not rewritten: a status older than STALE_MS is recomputed when it is next read.
      writing = quiet(
        db.transaction(async (tx) => {
          await writeChanged(tx, e.changed, chunk.previous, 'full-recompute');
          await tx.query(
            'UPDATE hc_jobs SET cursor = $2, processed = processed + $3, changed = changed + $4, updated_at = now() WHERE id = $1',
            [id, last, e.statuses.size, e.changed.length],
          );
        }),
      );
    }
    await writing;
    await next.catch(() => undefined);
    return await getJob(db, id);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await db.query(
      `UPDATE hc_jobs SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE id = $1`,
      [id, message],
    );
    throw err;
  }
}

/** Creates a job (or returns the one already running) without running it. */
export async function createJob(q: Queryable, by: string): Promise<Job> {
  const existing = await q.query<JobRow>(`SELECT * FROM hc_jobs WHERE status = 'running' ORDER BY started_at LIMIT 1`);
  if (existing.rows[0]) return toJob(existing.rows[0]);
  const id = newId('rc');
  await q.query('INSERT INTO hc_jobs (id, status, started_by) VALUES ($1, $2, $3)', [id, 'running', by]);
  // Everything committed before the job started is covered by it: the incremental worker may skip it.
  const now = new Date().toISOString();
  await setWatermark(q, 'batches', now);
  await setWatermark(q, 'risk_areas', now);
  return getJob(q, id);
}

/** Starts a job in the background of this process (or joins the one running) and returns it at once. */
export function runInBackground(platform: Platform, id: string): Promise<Job> {
  let jobs = running.get(platform);
  if (!jobs) running.set(platform, (jobs = new Map()));
  const existing = jobs.get(id);
  if (existing) return existing;
  const p = runJob(platform, id).finally(() => jobs.delete(id));
  p.catch(() => undefined);
  jobs.set(id, p);
  return p;
}

/** `POST /api/v1/admin/health/recompute`: an administrator starts (or joins) the full recompute. */
export async function startFullRecompute(ctx: Ctx): Promise<Job> {
  requireAdmin(ctx);
  const by = ctx.principal.kind === 'department' ? ctx.principal.departmentId : 'system';
  const job = await createJob(ctx.db, by);
  await audit(ctx, { action: 'healthcode.recompute.start', outcome: 'ok', detail: { job: job.id } });
  void runInBackground(ctx.platform, job.id);
  return job;
}

/** Resumes jobs left running by a stopped process (node/workers.ts calls it at start). */
export async function resumeJobs(platform: Platform): Promise<void> {
  pausing.delete(platform);
  for (const j of await listJobs(platform.db)) if (j.status === 'running') void runInBackground(platform, j.id);
}

/** Stops this process's jobs at their next chunk (they stay 'running' and resume at the next start) and waits. */
export async function pauseJobs(platform: Platform): Promise<void> {
  pausing.add(platform);
  await Promise.allSettled([...(running.get(platform)?.values() ?? [])]);
}

/** GET /api/v1/admin/health/recompute: recent jobs (administrator). */
export async function recomputeJobs(ctx: Ctx): Promise<Job[]> {
  requireAdmin(ctx);
  return listJobs(ctx.db);
}

/** GET /api/v1/admin/health/recompute/{id} (administrator). */
export async function recomputeJob(ctx: Ctx, id: string): Promise<Job> {
  requireAdmin(ctx);
  return getJob(ctx.db, id);
}
