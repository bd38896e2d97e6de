// The federation capability as a node runs it: its worker steps (node/workers.ts runs them), its status for
// operators, the hub's notices.
import type { Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { produceEvents } from './events.js';
import { hubRound, listRegions, nationalList, type RegionInfo } from './hub.js';
import { deliverDue, outboxBacklog, recentRejections } from './messages.js';
import { keptNationalVersion, national, pinnedHubKey, syncNational, syncState, type SyncState } from './national.js';
import { nodeIdentity } from './identity.js';
import { Problem } from '../core/problem.js';
import { checkNotice } from './protocol/notice.js';
import { askIssuer } from './remote-status.js';
import { refreshHome } from './overlay.js';
import { takeRefreshes } from './refresh-queue.js';

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

// Per platform: when the national list was last fetched (or the hub last ran its round), and the newest version a
// hub notice announced that this node does not hold yet (0: none).
const loops = new WeakMap<Platform, { lastSync: number; wanted: number }>();
const loopOf = (p: Platform) => {
  let s = loops.get(p);
  if (!s) loops.set(p, (s = { lastSync: 0, wanted: 0 }));
  return s;
};
/** A notice makes the next federation tick fetch, but never sooner than this after the last fetch. */
export const NOTICE_MIN_GAP_MS = 1_000;

const refuse = (status: number, code: string, detail: string): Problem =>
  new Problem({ status, code, title: 'Notice refused', detail });

/**
 * POST /api/v1/federation/notify: the hub's signed notice that a new national list is out. Accepted only on a
 * region node, well-formed, signed by the pinned hub key, addressed to this region and recent (400 / 401 / 403 /
 * 422 otherwise, and nothing is fetched). A notice of a version this node holds already is accepted and ignored;
 * a newer one is noted for the federation worker, whose next tick fetches once however many notices came
 * (coalesced; at most one notice-driven fetch per NOTICE_MIN_GAP_MS).
 */
export async function notified(
  p: Platform,
  input: unknown,
): Promise<{ accepted: true; fetch: 'queued' | 'not_needed' }> {
  if (p.settings.federation.role !== 'region')
    throw refuse(403, 'unknown_signer', 'This node is not a region node: it takes no notices.');
  const c = checkNotice(input, { self: p.settings.region, hub: await pinnedHubKey(p) });
  if (!c.ok) throw refuse(c.status, c.code, c.detail);
  if (c.notice.version <= (await keptNationalVersion(p))) return { accepted: true, fetch: 'not_needed' };
  const s = loopOf(p);
  s.wanted = Math.max(s.wanted, c.notice.version);
  return { accepted: true, fetch: 'queued' };
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
 * The federation worker's step (node/workers.ts runs it every 250 ms, one at a time): a region fetches the national
 * list every sync interval, or at once after a hub notice of a newer version, and produces and delivers messages;
 * the hub runs its round (fetch the regions' lists, publish, notify) every sync interval.
 */
export async function federationTick(p: Platform, now = Date.now()): Promise<void> {
  const role = p.settings.federation.role;
  if (role === 'standalone') return;
  const s = loopOf(p);
  const due = now - s.lastSync >= p.settings.federation.syncMs;
  const noticed = role === 'region' && s.wanted > 0 && now - s.lastSync >= NOTICE_MIN_GAP_MS;
  const sync = due || noticed;
  if (sync) {
    s.lastSync = now;
    s.wanted = 0;
  }
  if (role === 'hub' && !sync) return;
  await federationRound(p, { sync });
}

/**
 * The refresh worker's step: asks other regions again for the answers online checks found stale (the issuer's
 * status behind its codes, a person's home region's status) and keeps them; a few at a time, in parallel.
 */
export async function refreshAnswers(p: Platform, max = 50): Promise<number> {
  if (p.settings.federation.role !== 'region') return 0;
  const items = takeRefreshes(p, max);
  for (let i = 0; i < items.length; i += 8) {
    await Promise.all(
      items
        .slice(i, i + 8)
        .map((r) =>
          (r.kind === 'issuer' ? askIssuer(p, r.issuer, r.sub) : refreshHome(p, r.subject)).catch(() => undefined),
        ),
    );
  }
  return items.length;
}
