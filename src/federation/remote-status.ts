// The current status behind a code issued by another region: asked of the issuer (request and answer signed by
// the two node keys, checked against the national list) and kept in fed_status_replicas. An online check reads the
// kept answer (a refresh queued for the worker when it is stale) and asks the issuer at once only when none is kept.
import { randomBytes } from 'node:crypto';
import type { Platform } from '../platform/platform.js';
import { canonicalJson } from '../core/canonical-json.js';
import { storedStatusBySub } from '../healthcode/status/service.js';
import type { StatusReason } from '../healthcode/status/service.js';
import { peerJson } from './http.js';
import { auditDisclosure, checkSignedQuery, signBody, signedBy, type QueryHeader, type Signed } from './signed.js';
import { national } from './national.js';
import { overlayStatus } from './overlay.js';
import { ANSWER_FRESH_MS, queueRefresh } from './refresh-queue.js';

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
  /** The issuer's status (or the home region's answer it used) is older than its freshness limit. */
  stale?: boolean;
}

/**
 * POST /api/v1/federation/status: another region asks for the status behind one of this node's codes. Answered
 * from the stored status and the kept home-region answer, as an online check here would be (nothing recomputed).
 */
export async function answerStatusQuery(p: Platform, input: unknown): Promise<Signed<StatusAnswer>> {
  const q = await checkSignedQuery<StatusQuery>(p, input, ['sub']);
  const stored = await storedStatusBySub(p, q.sub);
  const status = stored?.status;
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
    ...(stored ? { stale: stored.stale || overlay?.home?.stale === true } : {}),
  });
}

export type RemoteStatus = StatusAnswer & {
  /** issuer: asked now (no answer was kept); replica: the kept answer. */
  source: 'issuer' | 'replica';
  receivedAt: string;
  /** Milliseconds since the answer was received. */
  ageMs: number;
  /** The kept answer is older than ANSWER_FRESH_MS (a refresh is queued), or the issuer called its status stale. */
  stale: boolean;
};

/** Asks the issuing region now and keeps a known answer; undefined when it cannot be reached or the answer is bad. */
export async function askIssuer(p: Platform, issuer: string, sub: string): Promise<RemoteStatus | undefined> {
  const peer = (await national(p)).regions.get(issuer);
  if (!peer) return undefined;
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
    return { ...answer.body, source: 'issuer', receivedAt, ageMs: 0, stale: answer.body.stale === true };
  } catch {
    return undefined; // unreachable or invalid
  }
}

/**
 * The status behind another region's code as a check reads it: the kept answer (a refresh queued when it is older
 * than ANSWER_FRESH_MS); when none is kept, the issuer is asked at once. Undefined when neither works.
 */
export async function remoteStatus(p: Platform, issuer: string, sub: string): Promise<RemoteStatus | undefined> {
  const kept = (
    await p.db.query<{ answer: StatusAnswer; received_at: Date | string }>(
      'SELECT answer, received_at FROM fed_status_replicas WHERE issuer = $1 AND code_sub = $2',
      [issuer, sub],
    )
  ).rows[0];
  if (!kept) return askIssuer(p, issuer, sub);
  const receivedAt = new Date(kept.received_at);
  const ageMs = Math.max(0, Date.now() - receivedAt.getTime());
  const old = ageMs > ANSWER_FRESH_MS;
  if (old) queueRefresh(p, { kind: 'issuer', issuer, sub });
  return {
    ...kept.answer,
    source: 'replica',
    receivedAt: receivedAt.toISOString(),
    ageMs,
    stale: old || kept.answer.stale === true,
  };
}
