// The current status behind a code issued by another region: asked of the issuer (request and answer signed by
// the two node keys, checked against the national list); when the issuer is unreachable, the last answer kept.
import { randomBytes } from 'node:crypto';
import type { Platform } from '../access/context.js';
import { canonicalJson } from '../core/canonical-json.js';
import { Problem } from '../core/problem.js';
import { statusBySub } from '../healthcode/status/service.js';
import type { StatusReason } from '../healthcode/status/service.js';
import { peerJson } from './http.js';
import { signBody, signedBy, type Signed } from './signed.js';
import { national } from './national.js';
import { MESSAGE_WINDOW_MS } from './protocol/index.js';
import { overlayStatus } from './overlay.js';

export interface StatusQuery {
  from: string;
  to: string;
  sub: string;
  at: string;
  nonce: string;
}

export interface StatusAnswer {
  query: StatusQuery;
  known: boolean;
  colour: 'green' | 'yellow' | 'red' | null;
  reasons: StatusReason[];
  ruleSet: string | null;
  ruleVersion: string | null;
  since: string | null;
  computedAt: string | null;
  region: string;
  /** The region whose data decided the colour (the issuer, or the person's home region when stricter). */
  decidedBy?: string;
}


const refuse = (status: number, code: string, detail: string): Problem => new Problem({ status, code, title: 'Status query refused', detail });

/** POST /api/v1/federation/status: another region asks for the status behind one of this node's codes. */
export async function answerStatusQuery(p: Platform, input: unknown): Promise<Signed<StatusAnswer>> {
  const s = input as Signed<StatusQuery> | null;
  const q = s?.body;
  if (!q || typeof q.from !== 'string' || typeof q.sub !== 'string' || typeof q.at !== 'string' || typeof q.nonce !== 'string' || typeof q.to !== 'string') {
    throw refuse(400, 'malformed', 'Expected { body: { from, to, sub, at, nonce }, signature: { kid, value } }.');
  }
  if (!(await signedBy(p, q.from, s))) throw refuse(403, 'bad_signature', `The query is not signed by region ${q.from}'s node key in the national list.`);
  if (q.to !== p.settings.region) throw refuse(403, 'wrong_recipient', `This node is region ${p.settings.region}, not ${q.to}.`);
  if (Math.abs(Date.parse(q.at) - Date.now()) > MESSAGE_WINDOW_MS) throw refuse(422, 'stale', 'The query time is outside the accepted window.');
  const status = await statusBySub(p, q.sub);
  const overlay = status ? await overlayStatus(p, status) : undefined;
  return signBody(p, {
    query: q, known: status !== undefined, colour: overlay?.colour ?? null, reasons: overlay?.reasons ?? [], ruleSet: status?.ruleSet ?? null,
    ruleVersion: status?.ruleVersion ?? null, since: status?.since ?? null, computedAt: status?.computedAt ?? null, region: p.settings.region,
    ...(overlay ? { decidedBy: overlay.decidedBy } : {}),
  });
}

export type RemoteStatus = StatusAnswer & { source: 'issuer' | 'replica'; receivedAt: string };

/** Asks the issuing region; falls back to the kept answer when it cannot be reached. Undefined when neither works. */
export async function remoteStatus(p: Platform, issuer: string, sub: string): Promise<RemoteStatus | undefined> {
  const peer = (await national(p)).regions.get(issuer);
  if (peer) {
    try {
      const query: StatusQuery = { from: p.settings.region, to: issuer, sub, at: new Date().toISOString(), nonce: randomBytes(12).toString('base64url') };
      const answer = await peerJson<Signed<StatusAnswer>>(`${peer.url}/api/v1/federation/status`, { body: await signBody(p, query) }, 3_000);
      if (!(await signedBy(p, issuer, answer)) || canonicalJson(answer.body.query) !== canonicalJson(query)) throw new Error('the answer is not signed by the issuer or not to this query');
      const receivedAt = new Date().toISOString();
      if (answer.body.known) {
        await p.db.query(
          `INSERT INTO fed_status_replicas (issuer, code_sub, answer, received_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (issuer, code_sub) DO UPDATE SET answer = excluded.answer, received_at = excluded.received_at`,
          [issuer, sub, JSON.stringify(answer.body), receivedAt],
        );
      }
      return { ...answer.body, source: 'issuer', receivedAt };
    } catch {
      /* unreachable or invalid: fall back to the replica */
    }
  }
  const kept = (await p.db.query<{ answer: StatusAnswer; received_at: Date | string }>('SELECT answer, received_at FROM fed_status_replicas WHERE issuer = $1 AND code_sub = $2', [issuer, sub])).rows[0];
  return kept ? { ...kept.answer, source: 'replica', receivedAt: new Date(kept.received_at).toISOString() } : undefined;
}
