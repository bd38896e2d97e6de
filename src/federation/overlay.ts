// One status per person across regions ("overlay use"): a node that is not the person's home region asks the
// home region, which receives every other region's cases and contacts about its residents, and shows the strictest
// of the two, with the reasons and the region whose data decided it.
import { randomBytes } from 'node:crypto';
import type { Platform } from '../platform/platform.js';
import { canonicalJson } from '../core/canonical-json.js';
import { Problem } from '../core/problem.js';
import { decryptValue, encryptValue } from '../crypto/fields.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Queryable } from '../db/types.js';
import { currentStatus, type PersonStatus, type StatusReason } from '../healthcode/status/service.js';
import { subjectOf } from '../records/keys.js';
import { peerJson } from './http.js';
import { auditDisclosure, checkSignedQuery, signBody, signedBy, type QueryHeader, type Signed } from './signed.js';
import { nodeIdentity } from './identity.js';
import { national } from './national.js';
import { homeRegionOf, openSealed, sealFor } from './protocol/index.js';

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
}

interface HomeQuery extends QueryHeader {
  person: string;
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
  const mine: OverlayStatus = {
    colour: local.colour,
    reasons: local.reasons.map((r) => ({ ...r, region: self })),
    decidedBy: self,
    consulted: [self],
  };
  if (p.settings.federation.role !== 'region') return mine;
  const citizenId = await identityOf(p, local.subject);
  if (!citizenId) return mine;
  const nat = await national(p);
  const home = homeRegionOf(citizenId, [...nat.regions.keys()]);
  const peer = home === undefined ? undefined : nat.regions.get(home);
  if (!peer || home === self) return mine;
  try {
    const nonce = randomBytes(12).toString('base64url');
    const query: HomeQuery = {
      from: self,
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
      return mine;
    const theirs = answer.body;
    const colour = RANK[theirs.colour] > RANK[local.colour] ? theirs.colour : local.colour;
    return {
      colour,
      reasons: [...mine.reasons, ...theirs.reasons.map((r) => ({ ...r, region: peer.region }))].sort(
        (a, b) => RANK[b.colour] - RANK[a.colour],
      ),
      decidedBy: RANK[theirs.colour] > RANK[local.colour] ? peer.region : self,
      consulted: [self, peer.region],
    };
  } catch {
    return mine; // the home region is unreachable: this node's own status stands
  }
}

/** POST /api/v1/federation/person-status: another region asks this node, the person's home, for their status. */
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
  const status = await currentStatus(p, subjectOf(p.ring, citizenId));
  await auditDisclosure(p, q.from, status.subject, status.colour);
  return signBody(p, { query: q, region: p.settings.region, colour: status.colour, reasons: status.reasons });
}
