// One status per person across regions ("overlay use"): a node that is not the person's home region combines its
// own status with the home region's, which receives every other region's cases and contacts about its residents,
// and shows the strictest of the two, with the reasons and the region whose data decided it.
// Reads do not call other regions: an online check uses the home region's last answer, kept in fed_home_answers, and
// queues a refresh for the worker when it is stale; only when no answer is kept yet does it ask the home region at
// once (the missing case: without it the first check would show a colour that ignores the home region).
// Identity capture (hc_identities) is its own, audited step: captureIdentity. See docs/federation.md.
import { randomBytes } from 'node:crypto';
import { audit, type Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { canonicalJson } from '../core/canonical-json.js';
import { Problem } from '../core/problem.js';
import { decryptValue, encryptValue } from '../crypto/fields.js';
import { storedStatus, type PersonStatus, type StatusReason } from '../healthcode/status/service.js';
import { subjectOf } from '../records/keys.js';
import { peerJson } from './http.js';
import { auditDisclosure, checkSignedQuery, signBody, signedBy, type QueryHeader, type Signed } from './signed.js';
import { nodeIdentity } from './identity.js';
import { national } from './national.js';
import { homeRegionOf, openSealed, sealFor, type RegionDoc } from './protocol/index.js';
import { ANSWER_FRESH_MS, queueRefresh } from './refresh-queue.js';
import type { KeyObject } from 'node:crypto';

type Colour = PersonStatus['colour'];
const RANK: Record<Colour, number> = { green: 0, yellow: 1, red: 2 };
type Peer = RegionDoc & { key: KeyObject };

/** The person's home region when it is another region of the national list and this node is a region node. */
async function otherHome(p: Platform, citizenId: string): Promise<Peer | undefined> {
  if (p.settings.federation.role !== 'region') return undefined;
  const nat = await national(p);
  const home = homeRegionOf(citizenId, [...nat.regions.keys()]);
  return home === undefined || home === p.settings.region ? undefined : nat.regions.get(home);
}

/**
 * Keeps whose ID number a subject is (encrypted), so the home region can be asked about them: an explicit step,
 * audited with the person as subject (`federation.identity.capture`), and only when it serves its one purpose:
 * this node is a region node and the person's home region is another region (least privilege: nothing is kept for
 * the node's own residents, on a standalone node, or on the hub). Returns whether an identity was newly kept.
 */
export async function captureIdentity(
  ctx: Ctx,
  citizenId: string,
  purpose: 'code-issue' | 'person-token',
): Promise<{ captured: boolean; home?: string }> {
  const id = citizenId.trim().toUpperCase();
  const peer = await otherHome(ctx.platform, id);
  if (!peer) return { captured: false };
  const subject = subjectOf(ctx.platform.ring, id);
  const res = await ctx.db.query<{ subject: string }>(
    'INSERT INTO hc_identities (subject, citizen_id) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING RETURNING subject',
    [subject, encryptValue(ctx.platform.ring, id, `hc_identities/${subject}`)],
  );
  if (res.rows.length === 0) return { captured: false, home: peer.region };
  await audit(ctx, {
    action: 'federation.identity.capture',
    outcome: 'ok',
    subjects: [subject],
    detail: { home: peer.region, purpose },
  });
  return { captured: true, home: peer.region };
}

async function identityOf(p: Platform, subject: string): Promise<string | undefined> {
  const r = (
    await p.db.query<{ citizen_id: string }>('SELECT citizen_id FROM hc_identities WHERE subject = $1', [subject])
  ).rows[0];
  return r ? decryptValue(p.ring, r.citizen_id, `hc_identities/${subject}`) : undefined;
}

export interface OverlayStatus {
  colour: Colour;
  reasons: (StatusReason & { region: string })[];
  /** The region whose data decided the colour (this node's when equal). */
  decidedBy: string;
  /** The regions whose status was taken into account. */
  consulted: string[];
  /** The home region's answer taken into account: asked now (`live`) or the kept one, its age, whether stale. */
  home?: { region: string; source: 'live' | 'kept'; ageMs: number; stale: boolean };
}

interface HomeQuery extends QueryHeader {
  person: string;
}
interface HomeAnswer {
  query: HomeQuery;
  region: string;
  /** false: the home region holds no status for the person yet (it queued one); colour null. */
  known?: boolean;
  colour: Colour | null;
  reasons: StatusReason[];
  computedAt?: string | null;
}

interface Kept {
  region: string;
  colour: Colour;
  reasons: StatusReason[];
  receivedAt: number;
}

async function keptHome(p: Platform, subject: string, region: string): Promise<Kept | undefined> {
  const r = (
    await p.db.query<{ answer: { colour: Colour; reasons: StatusReason[] }; received_at: Date | string }>(
      'SELECT answer, received_at FROM fed_home_answers WHERE subject = $1 AND region = $2',
      [subject, region],
    )
  ).rows[0];
  return r
    ? { region, colour: r.answer.colour, reasons: r.answer.reasons, receivedAt: new Date(r.received_at).getTime() }
    : undefined;
}

/** Asks the home region now; keeps a known answer. Undefined when it holds no status for the person. */
async function askHome(p: Platform, peer: Peer, citizenId: string, subject: string): Promise<Kept | undefined> {
  const nonce = randomBytes(12).toString('base64url');
  const query: HomeQuery = {
    from: p.settings.region,
    to: peer.region,
    person: sealFor(peer.key, citizenId, nonce),
    at: new Date().toISOString(),
    nonce,
  };
  const answer = await peerJson<Signed<HomeAnswer>>(
    `${peer.url}/api/v1/federation/person-status`,
    { body: await signBody(p, query) },
    3_000,
  );
  if (!(await signedBy(p, peer.region, answer)) || canonicalJson(answer.body.query) !== canonicalJson(query))
    throw new Error('the answer is not signed by the home region or not to this query');
  const a = answer.body;
  if (a.known === false || a.colour === null || !(a.colour in RANK)) return undefined;
  const receivedAt = Date.now();
  await p.db.query(
    `INSERT INTO fed_home_answers (subject, region, answer, received_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (subject) DO UPDATE SET region = excluded.region, answer = excluded.answer, received_at = excluded.received_at`,
    [
      subject,
      peer.region,
      JSON.stringify({ colour: a.colour, reasons: a.reasons }),
      new Date(receivedAt).toISOString(),
    ],
  );
  return { region: peer.region, colour: a.colour, reasons: a.reasons, receivedAt };
}

function combine(mine: OverlayStatus, local: PersonStatus, h: Kept, source: 'live' | 'kept'): OverlayStatus {
  const self = mine.decidedBy;
  const theirs = RANK[h.colour] > RANK[local.colour];
  const ageMs = Math.max(0, Date.now() - h.receivedAt);
  return {
    colour: theirs ? h.colour : local.colour,
    reasons: [...mine.reasons, ...h.reasons.map((r) => ({ ...r, region: h.region }))].sort(
      (a, b) => RANK[b.colour] - RANK[a.colour],
    ),
    decidedBy: theirs ? h.region : self,
    consulted: [self, h.region],
    home: { region: h.region, source, ageMs, stale: source === 'kept' && ageMs > ANSWER_FRESH_MS },
  };
}

/**
 * The strictest of this node's status and the person's home region's (when that is another node and this node
 * knows whose status it is). `kept` (reads: online checks, other regions' queries): the home region's kept answer,
 * a refresh queued when it is stale; asked at once only when none is kept. `live` (issuing a code, the worker's
 * refresh): asked now, the kept answer when the home region cannot be reached.
 */
export async function overlayStatus(
  p: Platform,
  local: PersonStatus,
  mode: 'kept' | 'live' = 'kept',
): Promise<OverlayStatus> {
  const self = p.settings.region;
  const mine: OverlayStatus = {
    colour: local.colour,
    reasons: local.reasons.map((r) => ({ ...r, region: self })),
    decidedBy: self,
    consulted: [self],
  };
  if (p.settings.federation.role !== 'region') return mine;
  const citizenId = await identityOf(p, local.subject);
  if (!citizenId) return mine;
  const peer = await otherHome(p, citizenId);
  if (!peer) return mine;
  const kept = await keptHome(p, local.subject, peer.region);
  if (kept && mode === 'kept') {
    const o = combine(mine, local, kept, 'kept');
    if (o.home!.stale) queueRefresh(p, { kind: 'home', subject: local.subject });
    return o;
  }
  try {
    const fresh = await askHome(p, peer, citizenId, local.subject);
    if (fresh) return combine(mine, local, fresh, 'live');
  } catch {
    /* the home region is unreachable: its kept answer, else this node's own status, stands */
  }
  return kept ? combine(mine, local, kept, 'kept') : mine;
}

/** The refresh worker's step for one person: asks the home region now and keeps its answer. */
export async function refreshHome(p: Platform, subject: string): Promise<void> {
  const citizenId = await identityOf(p, subject);
  const peer = citizenId ? await otherHome(p, citizenId) : undefined;
  if (citizenId && peer) await askHome(p, peer, citizenId, subject);
}

/**
 * POST /api/v1/federation/person-status: another region asks this node, the person's home, for their status. The
 * stored status is answered as it is (a stale one is queued for the recompute worker); `known: false` when there is
 * none yet (queued too).
 */
export async function answerPersonStatus(p: Platform, input: unknown): Promise<Signed<HomeAnswer>> {
  const q = await checkSignedQuery<HomeQuery>(p, input, ['person']);
  let citizenId: string;
  try {
    citizenId = openSealed((await nodeIdentity(p)).privateKey, q.person, q.nonce);
  } catch {
    throw new Problem({
      status: 400,
      code: 'malformed',
      title: 'Status query refused',
      detail: 'The person is not sealed for this node.',
    });
  }
  const subject = subjectOf(p.ring, citizenId);
  const stored = await storedStatus(p, subject);
  if (!stored)
    return signBody(p, {
      query: q,
      region: p.settings.region,
      known: false,
      colour: null,
      reasons: [],
      computedAt: null,
    });
  await auditDisclosure(p, q.from, subject, stored.status.colour);
  return signBody(p, {
    query: q,
    region: p.settings.region,
    known: true,
    colour: stored.status.colour,
    reasons: stored.status.reasons,
    computedAt: stored.status.computedAt,
  });
}
