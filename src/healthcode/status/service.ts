// The status capability's service: a person's current status (computed on demand when missing or stale, for the
// person's own view and an issue), the stored status as read paths see it (never recomputed there: a stale one is
// queued for the worker), recompute of given people, the history a person sees. Access checks and audit for callers are here too.
import { audit, type Ctx } from '../../access/context.js';
import type { Platform } from '../../platform/platform.js';
import { requireAdmin, requirePerson } from '../../access/policy.js';
import { badRequest } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import { subjectOf } from '../../records/keys.js';
import { validateCitizenId } from '../../standard/index.js';
import { computeChunk, computeEnv, rowsOfSubjects, type ComputeEnv } from './compute.js';
import { history, statusRow, statusRowBySub } from './store.js';
import type { HistoryEntry, PersonStatus } from './types.js';

export { codeSubOf } from './compute.js';
export type { EvidenceRef, HistoryEntry, PersonStatus, StatusReason } from './types.js';

/** A stored status older than this is recomputed before it is shown (time alone changes colours: quarantines end). */
export const STALE_MS = 5 * 60_000;
const ENV_TTL_MS = 2_000;
const CHUNK = 2_000;

const envs = new WeakMap<Platform, { at: number; env: Promise<ComputeEnv> }>();

/** The computation environment, shared for a moment by concurrent requests; always with the current time. */
async function freshEnv(platform: Platform, now?: Date, fresh = false): Promise<ComputeEnv> {
  if (now || fresh) return computeEnv(platform, now);
  const hit = envs.get(platform);
  if (hit && Date.now() - hit.at < ENV_TTL_MS) return { ...(await hit.env), now: new Date() };
  const env = computeEnv(platform);
  envs.set(platform, { at: Date.now(), env });
  env.catch(() => envs.delete(platform));
  return env;
}

/** Recomputes and stores the statuses of these people now. */
export async function recomputeSubjects(
  platform: Platform,
  subjects: readonly string[],
  cause: string,
  now?: Date,
  opts: { freshEnv?: boolean } = {},
): Promise<{ processed: number; changed: number; statuses: Map<string, PersonStatus> }> {
  const unique = [...new Set(subjects)];
  const env = await freshEnv(platform, now, opts.freshEnv);
  const statuses = new Map<string, PersonStatus>();
  let processed = 0;
  let changed = 0;
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    const rows = await rowsOfSubjects(platform, part, env.datasets, cause);
    const r = await computeChunk(platform, env, part, rows, cause);
    processed += r.processed;
    changed += r.changed;
    for (const [k, v] of r.statuses) statuses.set(k, v);
  }
  return { processed, changed, statuses };
}

const isFresh = (s: PersonStatus, now = Date.now()): boolean => now - Date.parse(s.computedAt) < STALE_MS;

/**
 * A person's current status: the stored one when fresh, else computed now (and stored). For writes that need the
 * current colour (issuing a code, filing an appeal) and tests; reads use storedStatus or readStatus.
 */
export async function currentStatus(platform: Platform, subject: string): Promise<PersonStatus> {
  const stored = await statusRow(platform.db, subject);
  if (stored && isFresh(stored)) return stored;
  const r = await recomputeSubjects(platform, [subject], stored ? 'refresh' : 'first-use');
  return r.statuses.get(subject)!;
}

/** A stored status as a read path sees it: never recomputed there, with its age and whether it is stale. */
export interface StoredStatus {
  status: PersonStatus;
  /** Milliseconds since it was computed. */
  ageMs: number;
  /** Older than STALE_MS: a recompute has been queued for the worker (hc_dirty). */
  stale: boolean;
}

/**
 * The stored status behind a code's pseudonymous subject, as it is (reads do not write statuses): when it is older
 * than STALE_MS the person is queued for the recompute worker, and the caller says so. Undefined when unknown.
 */
export async function storedStatusBySub(platform: Platform, codeSub: string): Promise<StoredStatus | undefined> {
  const status = await statusRowBySub(platform.db, codeSub);
  return status ? storedOf(platform, status) : undefined;
}

/** The stored status of a subject (see storedStatusBySub); undefined when there is none (then it is queued). */
export async function storedStatus(platform: Platform, subject: string): Promise<StoredStatus | undefined> {
  const status = await statusRow(platform.db, subject);
  if (!status) {
    await enqueueRecompute(platform.db, [subject], 'first-read');
    return undefined;
  }
  return storedOf(platform, status);
}

async function storedOf(platform: Platform, status: PersonStatus, now = Date.now()): Promise<StoredStatus> {
  const ageMs = Math.max(0, now - Date.parse(status.computedAt));
  const stale = !isFresh(status, now);
  if (stale) await enqueueRecompute(platform.db, [status.subject], 'stale-read');
  return { status, ageMs, stale };
}

/** Queues people for the recompute worker (soon, not now). */
export async function enqueueRecompute(q: Queryable, subjects: readonly string[], cause: string): Promise<void> {
  if (subjects.length === 0) return;
  await q.query(
    `INSERT INTO hc_dirty (subject, cause) SELECT DISTINCT s, $2 FROM unnest($1::text[]) AS t(s) ON CONFLICT (subject) DO NOTHING`,
    [[...subjects], cause],
  );
}

export const statusHistory = (q: Queryable, subject: string): Promise<HistoryEntry[]> => history(q, subject);

/** How current a status shown by a read is. */
export interface Freshness {
  computedAt: string;
  /** Seconds since it was computed. */
  age: number;
  /** Older than STALE_MS: shown as it is, a recompute queued for the worker. */
  stale: boolean;
  /** There was no stored status: it was computed for this read (the person's first status). */
  firstUse?: true;
}

/**
 * A status as a read shows it: the stored one (a stale one is queued for the worker, not recomputed), or, when the
 * person has none yet, computed now (the missing case: there is nothing else to show, and the person starts a
 * status here that the worker keeps current from then on).
 */
async function readStatus(
  platform: Platform,
  subject: string,
): Promise<{ status: PersonStatus; freshness: Freshness }> {
  const row = await statusRow(platform.db, subject);
  if (!row) {
    const status = (await recomputeSubjects(platform, [subject], 'first-use')).statuses.get(subject)!;
    return { status, freshness: { computedAt: status.computedAt, age: 0, stale: false, firstUse: true } };
  }
  const s = await storedOf(platform, row);
  return {
    status: row,
    freshness: { computedAt: row.computedAt, age: Math.floor(s.ageMs / 1000), stale: s.stale },
  };
}

type StatusView = { status: PersonStatus; history: HistoryEntry[]; freshness: Freshness };

/** The signed-in person's own status with reasons and history (stored; see readStatus). */
export async function myStatus(ctx: Ctx): Promise<StatusView> {
  const me = requirePerson(ctx);
  const { status, freshness } = await readStatus(ctx.platform, me.subject);
  return { status, history: await history(ctx.db, me.subject), freshness };
}

/** An administrator looks up a person's status by ID number (audited with the person as subject; stored, see readStatus). */
export async function statusOfCitizen(ctx: Ctx, citizenId: string): Promise<StatusView> {
  requireAdmin(ctx);
  const issue = validateCitizenId(citizenId.toUpperCase());
  if (issue) throw badRequest('invalid_citizen_id', `citizenId: ${issue.message.en}`);
  const subject = subjectOf(ctx.platform.ring, citizenId);
  const { status, freshness } = await readStatus(ctx.platform, subject);
  await audit(ctx, { action: 'healthcode.status.read', outcome: 'ok', subjects: [subject] });
  return { status, history: await history(ctx.db, subject), freshness };
}
