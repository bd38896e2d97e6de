// The current status behind a code issued by another region: asked of the issuer (request and answer signed by
// the two node keys, checked against the national list); when the issuer is unreachable, the last answer kept.
import { randomBytes } from 'node:crypto';
import type { Platform } from '../platform/platform.js';
import { canonicalJson } from '../core/canonical-json.js';
import { statusBySub } from '../healthcode/status/service.js';
import type { StatusReason } from '../healthcode/status/service.js';
import { peerJson } from './http.js';
import { auditDisclosure, checkSignedQuery, signBody, signedBy, type QueryHeader, type Signed } from './signed.js';
import { national } from './national.js';
import { overlayStatus } from './overlay.js';

export interface StatusQuery extends QueryHeader {
  sub: string;
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

/** POST /api/v1/federation/status: another region asks for the status behind one of this node's codes. */
export async function answerStatusQuery(p: Platform, input: unknown): Promise<Signed<StatusAnswer>> {
  const q = await checkSignedQuery<StatusQuery>(p, input, ['sub']);
  const status = await statusBySub(p, q.sub);
  const overlay = status ? await overlayStatus(p, status) : undefined;
  if (status) await auditDisclosure(p, q.from, status.subject, overlay!.colour);
  return signBody(p, {
    query: q,
    known: status !== undefined,
    colour: overlay?.colour ?? null,
    reasons: overlay?.reasons ?? [],
    ruleSet: status?.ruleSet ?? null,
    ruleVersion: status?.ruleVersion ?? null,
    since: status?.since ?? null,
    computedAt: status?.computedAt ?? null,
    region: p.settings.region,
    ...(overlay ? { decidedBy: overlay.decidedBy } : {}),
  });
}

export type RemoteStatus = StatusAnswer & { source: 'issuer' | 'replica'; receivedAt: string };

/** Asks the issuing region; falls back to the kept answer when it cannot be reached. Undefined when neither works. */
export async function remoteStatus(p: Platform, issuer: string, sub: string): Promise<RemoteStatus | undefined> {
  const peer = (await national(p)).regions.get(issuer);
  if (peer) {
    try {
      const query: StatusQuery = {
        from: p.settings.region,
        to: issuer,
        sub,
        at: new Date().toISOString(),
        nonce: randomBytes(12).toString('base64url'),
      };
      const answer = await peerJson<Signed<StatusAnswer>>(
        `${peer.url}/api/v1/federation/status`,
        { body: await signBody(p, query) },
        3_000,
      );
      if (!(await signedBy(p, issuer, answer)) || canonicalJson(answer.body.query) !== canonicalJson(query))
        throw new Error('the answer is not signed by the issuer or not to this query');
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
  const kept = (
    await p.db.query<{ answer: StatusAnswer; received_at: Date | string }>(
      'SELECT answer, received_at FROM fed_status_replicas WHERE issuer = $1 AND code_sub = $2',
      [issuer, sub],
    )
  ).rows[0];
  return kept ? { ...kept.answer, source: 'replica', receivedAt: new Date(kept.received_at).toISOString() } : undefined;
}
