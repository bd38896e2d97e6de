// One status per person across regions ("overlay use"): a node that is not the person's home region asks the
// home region, which receives every other region's cases and contacts about its residents, and shows the strictest
// of the two, with the reasons and the region whose data decided it.
import { randomBytes } from 'node:crypto';
import type { Platform } from '../access/context.js';
import { canonicalJson } from '../core/canonical-json.js';
import { Problem } from '../core/problem.js';
import { decryptValue, encryptValue } from '../crypto/fields.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Queryable } from '../db/types.js';
import { currentStatus, type PersonStatus, type StatusReason } from '../healthcode/status/service.js';
import { subjectOf } from '../records/keys.js';
import { peerJson } from './http.js';
import { signBody, signedBy, type Signed } from './signed.js';
import { nodeIdentity } from './identity.js';
import { national } from './national.js';
import { homeRegionOf, MESSAGE_WINDOW_MS, openSealed, sealFor } from './protocol/index.js';

type Colour = PersonStatus['colour'];
const RANK: Record<Colour, number> = { green: 0, yellow: 1, red: 2 };

/** Remembers whose ID number a subject is (encrypted), so the home region can be asked about them. */
export async function rememberIdentity(q: Queryable, ring: Keyring, subject: string, citizenId: string): Promise<void> {
  await q.query('INSERT INTO hc_identities (subject, citizen_id) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING', [
    subject,
    encryptValue(ring, citizenId.toUpperCase(), `hc_identities/${subject}`),
  ]);
}

async function identityOf(p: Platform, subject: string): Promise<string | undefined> {
  const r = (await p.db.query<{ citizen_id: string }>('SELECT citizen_id FROM hc_identities WHERE subject = $1', [subject])).rows[0];
  return r ? decryptValue(p.ring, r.citizen_id, `hc_identities/${subject}`) : undefined;
}

export interface OverlayStatus {
  colour: Colour;
  reasons: (StatusReason & { region: string })[];
  /** The region whose data decided the colour (this node's when equal). */
  decidedBy: string;
  /** The regions whose status was taken into account. */
  consulted: string[];
}

interface HomeQuery {
  from: string;
  to: string;
  person: string;
  at: string;
  nonce: string;
}
interface HomeAnswer {
  query: HomeQuery;
  region: string;
  colour: Colour;
  reasons: StatusReason[];
}

/** The strictest of this node's status and the person's home region's (when that is another, reachable node). */
export async function overlayStatus(p: Platform, local: PersonStatus): Promise<OverlayStatus> {
  const self = p.settings.region;
  const mine: OverlayStatus = { colour: local.colour, reasons: local.reasons.map((r) => ({ ...r, region: self })), decidedBy: self, consulted: [self] };
  if (p.settings.federation.role !== 'region') return mine;
  const citizenId = await identityOf(p, local.subject);
  if (!citizenId) return mine;
  const nat = await national(p);
  const home = homeRegionOf(citizenId, [...nat.regions.keys()]);
  const peer = home === undefined ? undefined : nat.regions.get(home);
  if (!peer || home === self) return mine;
  try {
    const nonce = randomBytes(12).toString('base64url');
    const query: HomeQuery = { from: self, to: peer.region, person: sealFor(peer.key, citizenId, nonce), at: new Date().toISOString(), nonce };
    const answer = await peerJson<Signed<HomeAnswer>>(`${peer.url}/api/v1/federation/person-status`, { body: await signBody(p, query) }, 3_000);
    if (!(await signedBy(p, peer.region, answer)) || canonicalJson(answer.body.query) !== canonicalJson(query)) return mine;
    const theirs = answer.body;
    const colour = RANK[theirs.colour] > RANK[local.colour] ? theirs.colour : local.colour;
    return {
      colour,
      reasons: [...mine.reasons, ...theirs.reasons.map((r) => ({ ...r, region: peer.region }))].sort((a, b) => RANK[b.colour] - RANK[a.colour]),
      decidedBy: RANK[theirs.colour] > RANK[local.colour] ? peer.region : self,
      consulted: [self, peer.region],
    };
  } catch {
    return mine; // the home region is unreachable: this node's own status stands
  }
}

const refuse = (status: number, code: string, detail: string): Problem => new Problem({ status, code, title: 'Status query refused', detail });

/** POST /api/v1/federation/person-status: another region asks this node, the person's home, for their status. */
export async function answerPersonStatus(p: Platform, input: unknown): Promise<Signed<HomeAnswer>> {
  const s = input as Signed<HomeQuery> | null;
  const q = s?.body;
  if (!q || typeof q.from !== 'string' || typeof q.to !== 'string' || typeof q.person !== 'string' || typeof q.at !== 'string' || typeof q.nonce !== 'string') {
    throw refuse(400, 'malformed', 'Expected { body: { from, to, person, at, nonce }, signature: { kid, value } }.');
  }
  if (!(await signedBy(p, q.from, s))) throw refuse(403, 'bad_signature', `The query is not signed by region ${q.from}'s node key in the national list.`);
  if (q.to !== p.settings.region) throw refuse(403, 'wrong_recipient', `This node is region ${p.settings.region}, not ${q.to}.`);
  if (Math.abs(Date.parse(q.at) - Date.now()) > MESSAGE_WINDOW_MS) throw refuse(422, 'stale', 'The query time is outside the accepted window.');
  let citizenId: string;
  try {
    citizenId = openSealed((await nodeIdentity(p)).privateKey, q.person, q.nonce);
  } catch {
    throw refuse(400, 'malformed', 'The person is not sealed for this node.');
  }
  const status = await currentStatus(p, subjectOf(p.ring, citizenId));
  return signBody(p, { query: q, region: p.settings.region, colour: status.colour, reasons: status.reasons });
}
