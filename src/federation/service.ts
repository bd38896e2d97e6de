// The federation capability as a node runs it: its background loop, its status for operators, notifications.
import type { Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { produceEvents } from './events.js';
import { hubRound, listRegions, nationalList, type RegionInfo } from './hub.js';
import { deliverDue, outboxBacklog, recentRejections } from './messages.js';
import { national, syncNational, syncState, type SyncState } from './national.js';
import { nodeIdentity } from './identity.js';

export interface FederationStatus {
  role: string;
  region: string;
  nodeKid: string;
  hub: string | null;
  trustList: SyncState | { version: number; issuedAt: string };
  peers: (RegionInfo | { region: string; url: string; kid: string })[];
  outbox: { pending: number; oldest: string | null; delivered: number };
  inbox: { received: number; lastAt: string | null };
  rejected: { seq: number; at: string; reason: string; from: string | null; id: string | null }[];
}

export async function federationStatus(ctx: Ctx): Promise<FederationStatus> {
  requireAdmin(ctx);
  const p = ctx.platform;
  const f = p.settings.federation;
  const [id, outbox, inbox, rejected] = await Promise.all([
    nodeIdentity(p),
    outboxBacklog(p.db),
    p.db.query<{ n: number; last: Date | string | null }>(
      'SELECT count(*)::int AS n, max(received_at) AS last FROM fed_inbox',
    ),
    recentRejections(p.db),
  ]);
  const i = inbox.rows[0]!;
  const base = {
    role: f.role,
    region: p.settings.region,
    nodeKid: id.kid,
    hub: f.hubUrl ?? null,
    outbox,
    inbox: { received: i.n, lastAt: i.last === null ? null : new Date(i.last).toISOString() },
    rejected,
  };
  if (f.role === 'hub') {
    const list = await nationalList(p);
    return {
      ...base,
      trustList: { version: list.list.version, issuedAt: list.list.issuedAt },
      peers: await listRegions(p),
    };
  }
  const s = await syncState(p);
  const kept = await national(p);
  return {
    ...base,
    trustList: s,
    peers: [...kept.regions.values()].map((r) => ({ region: r.region, url: r.url, kid: r.kid })),
  };
}

/** A hub's notice that a new national list is out: fetch it now (at most one fetch at a time). */
const pending = new WeakMap<Platform, Promise<unknown>>();
export function notified(p: Platform): { accepted: boolean } {
  if (p.settings.federation.role !== 'region') return { accepted: false };
  if (!pending.has(p)) {
    const run = syncNational(p)
      .catch(() => undefined)
      .finally(() => pending.delete(p));
    pending.set(p, run);
  }
  return { accepted: true };
}

/** One round of the node's federation work (what the loop runs; tests call it directly). */
export async function federationRound(p: Platform, opts: { sync?: boolean } = {}): Promise<void> {
  const role = p.settings.federation.role;
  if (role === 'standalone') return;
  if (role === 'hub') {
    if (opts.sync !== false) await hubRound(p).catch(() => undefined);
    return;
  }
  if (opts.sync) await syncNational(p).catch(() => undefined);
  // Produce a chunk, send what is due, again, until there is nothing new and the last round was not full: sending
  // overlaps with producing, and full rounds follow each other at once.
  for (let i = 0; i < 200; i++) {
    const produced = await produceEvents(p).catch(() => 0);
    const r = await deliverDue(p).catch(() => ({ delivered: 0, failed: 0 }));
    if (produced === 0 && (r.delivered + r.failed < 400 || r.failed > 0)) break;
  }
}

/**
 * Runs the federation loop: regions fetch the national list every sync interval and produce and deliver messages
 * every 250 ms; the hub refreshes the national list every sync interval. One round at a time.
 */
export function startFederation(p: Platform, tickMs = 250): () => Promise<void> {
  const role = p.settings.federation.role;
  if (role === 'standalone') return async () => undefined;
  let stopped = false;
  let busy = false;
  let lastSync = 0;
  let running: Promise<unknown> = Promise.resolve();
  const tick = (): void => {
    if (stopped || busy) return;
    busy = true;
    const sync = Date.now() - lastSync >= p.settings.federation.syncMs;
    if (sync) lastSync = Date.now();
    running = (role === 'hub' && !sync ? Promise.resolve() : federationRound(p, { sync })).finally(() => {
      busy = false;
    });
  };
  tick();
  const timer = setInterval(tick, tickMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running.catch(() => undefined);
  };
}
