// Answers of other regions that an online check found missing or stale, queued for the federation's refresh worker
// (node/workers.ts runs `refreshAnswers`): a check reads the kept answer and never waits for another region. The
// queue is per process (the worker of the process that took the check refreshes it) and bounded; a lost entry costs
// nothing but a later refresh, since the next check of that person queues it again.
import type { Platform } from '../platform/platform.js';

export type Refresh =
  | { kind: 'issuer'; issuer: string; sub: string } // the issuer's status behind one of its codes
  | { kind: 'home'; subject: string }; // the home region's status of a person this node knows

const MAX_QUEUED = 10_000;
const queues = new WeakMap<Platform, Map<string, Refresh>>();

const keyOf = (r: Refresh): string => (r.kind === 'issuer' ? `i:${r.issuer}:${r.sub}` : `h:${r.subject}`);

/** Queues a refresh (once per answer; dropped when the queue is full). */
export function queueRefresh(p: Platform, r: Refresh): void {
  let q = queues.get(p);
  if (!q) queues.set(p, (q = new Map()));
  if (q.size < MAX_QUEUED) q.set(keyOf(r), r);
}

/** Takes up to `n` queued refreshes, oldest first. */
export function takeRefreshes(p: Platform, n: number): Refresh[] {
  const q = queues.get(p);
  if (!q) return [];
  const out: Refresh[] = [];
  for (const [k, r] of q) {
    if (out.length >= n) break;
    q.delete(k);
    out.push(r);
  }
  return out;
}

/** How many refreshes wait (for the operator's status and tests). */
export const queuedRefreshes = (p: Platform): number => queues.get(p)?.size ?? 0;

/** How old a kept answer of another region may be before a check calls it stale and queues a refresh. */
export const ANSWER_FRESH_MS = 10_000;
