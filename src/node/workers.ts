// Every background worker of a node, started from this one place and stopped by one call that waits for them all.
// Service files export only the work (a step: `tick`, `drainOnce`, `purgeExpired`, ...); the timers are here. Each
// loop runs its step, then waits its interval before the next (never two steps of one worker at once); a failed
// step is reported to `onError` (the node logs it) and the loop goes on. The timers are not unref'd: a
// forgotten stop keeps the process alive, so a leak shows (node/workers.test.ts checks a process exits by itself).
import type { Platform } from '../platform/platform.js';
import { signTreeHead } from '../audit/heads.js';
import { lockedActiveKey } from '../keys/signing.js';
import { renewCodeKey } from '../healthcode/codes/keys.js';
import { pauseJobs, resumeJobs } from '../healthcode/status/job.js';
import { drainOnce } from '../healthcode/status/worker.js';
import { purgeExpired } from '../healthcode/retention/service.js';
import { liftByRule } from '../riskareas/service.js';
import { federationTick, refreshAnswers } from '../federation/service.js';
import { cleanupStaleBatches, SWEEP_MS } from '../ingest/lease.js';

export type WorkerName =
  | 'tree-heads'
  | 'recompute'
  | 'risk-areas'
  | 'retention'
  | 'federation'
  | 'answer-refresh'
  | 'code-keys'
  | 'ingest-batches';

interface WorkerSpec {
  name: WorkerName;
  /** Wait between the end of one step and the start of the next. */
  everyMs: number;
  /** Wait before the first step (default: everyMs). */
  firstMs?: number;
  step: (p: Platform) => Promise<unknown>;
}

/** The node's workers. */
const WORKERS: readonly WorkerSpec[] = [
  // Signs a tree head when the ledger grew since the last one.
  { name: 'tree-heads', everyMs: 60_000, step: (p) => signTreeHead(p.db, p.ring) },
  // Follows new data, risk-area changes and the hc_dirty queue (stale statuses found by checks) and recomputes.
  { name: 'recompute', everyMs: 1_000, step: (p) => drainOnce(p) },
  // The 7-day rule for risk areas.
  { name: 'risk-areas', everyMs: 60_000, step: (p) => liftByRule(p) },
  // Purges scans, venue visits and itineraries past the retention window.
  { name: 'retention', everyMs: 3_600_000, step: (p) => purgeExpired(p) },
  // National list, hub round, outbox production and delivery.
  { name: 'federation', everyMs: 250, firstMs: 0, step: (p) => federationTick(p) },
  // Other regions' answers that checks found stale.
  { name: 'answer-refresh', everyMs: 500, step: (p) => refreshAnswers(p) },
  // Replaces the active code key a day before its validTo (the first key is made at start, below).
  { name: 'code-keys', everyMs: 10 * 60_000, step: (p) => renewCodeKey(p) },
  // Ingest batches whose process died (their lease lapsed): marked failed, staging dropped (ingest/lease.ts).
  { name: 'ingest-batches', everyMs: SWEEP_MS, step: (p) => cleanupStaleBatches(p) },
];

export interface Workers {
  /** Stops every loop and waits for the steps in progress and the recompute jobs (paused, resumed at next start). */
  stop(): Promise<void>;
  /** How many steps each worker has finished (ok or failed), for the operator and tests. */
  runs(): Record<WorkerName, number>;
}

interface Loop {
  stop(): Promise<void>;
}

function loop(
  p: Platform,
  w: WorkerSpec,
  everyMs: number,
  firstMs: number,
  done: () => void,
  onError: (worker: WorkerName, err: unknown) => void,
): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    running = w
      .step(p)
      .then(
        () => undefined,
        (err: unknown) => onError(w.name, err),
      )
      .finally(() => {
        done();
        if (!stopped) timer = setTimeout(run, everyMs);
      });
  };
  timer = setTimeout(run, firstMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Starts the node's workers. Before the loops: the node's signing keys exist (the first code key and the node key
 * are made here, never on a read path) and recompute jobs left running by a stopped process resume.
 * `everyMs` overrides intervals (tests); a worker in `only`, when given, is the only kind started.
 */
export async function startWorkers(
  p: Platform,
  opts: {
    everyMs?: Partial<Record<WorkerName, number>>;
    only?: readonly WorkerName[];
    /** Told of a failed step (the loop goes on); the node logs it. */
    onError?: (worker: WorkerName, err: unknown) => void;
  } = {},
): Promise<Workers> {
  // Batches a dead process left running: on PGlite every one (no other process can have the data directory open),
  // on PostgreSQL those whose lease lapsed (other API processes may be reading theirs); then every few seconds.
  await cleanupStaleBatches(p, { all: p.db.engine === 'pglite' });
  await renewCodeKey(p);
  await lockedActiveKey(p.db, p.ring, 'node');
  await resumeJobs(p);
  const runs = Object.fromEntries(WORKERS.map((w) => [w.name, 0])) as Record<WorkerName, number>;
  const loops = WORKERS.filter((w) => !opts.only || opts.only.includes(w.name)).map((w) => {
    const every = opts.everyMs?.[w.name] ?? w.everyMs;
    return loop(
      p,
      w,
      every,
      opts.everyMs?.[w.name] !== undefined ? 0 : (w.firstMs ?? every),
      () => {
        runs[w.name] += 1;
      },
      opts.onError ?? (() => undefined),
    );
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await Promise.all(loops.map((l) => l.stop()));
        await pauseJobs(p);
      })()),
    runs: () => ({ ...runs }),
  };
}
