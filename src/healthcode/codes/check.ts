// Online check at a checkpoint or venue: verify the code, then answer with the person's stored colour and its age,
// and record the scan for contact tracing (a check is a recorded scan by design: docs/healthcode.md). Reads do not
// write: nothing is recomputed and no key is made or rotated here. A status older than the freshness limit is
// answered as it is with `stale: true` and queued for the recompute worker; another region's answer (the issuer's,
// or the person's home region's) is the kept one, a refresh queued for the federation worker when it is stale; only
// when no answer is kept at all is the other region asked at once (`liveCall: true`).
// Hot path: one verify (cached trust lookup), one indexed status lookup, one insert, one audit append (group-committed).
import { audit, type Ctx } from '../../access/context.js';
import { recordScan } from './scans.js';
import { callerDepartment } from '../../access/policy.js';
import type { Colour, FailureReason } from '../hcert/index.js';
import { STALE_MS, storedStatusBySub } from '../status/service.js';
import { verdictOf } from './verdict.js';
import { verifyWithNode } from './verify.js';
import { remoteStatus } from '../../federation/remote-status.js';
import { overlayStatus } from '../../federation/overlay.js';
import type { CodeClaims } from '../hcert/index.js';

type Valid = Extract<CheckAnswer, { valid: true }>;
type Base = Pick<Valid, 'valid' | 'colourInCode' | 'region' | 'kid' | 'issuedAt' | 'expiresAt'>;

const secs = (ms: number): number => Math.floor(ms / 1000);

/** The answer when the status is unknown (no stored status for the code's subject, or no region answered). */
const unknown = (base: Base, source: Valid['source'], liveCall: boolean): Valid => ({
  ...base,
  reason: 'status_unknown',
  colour: null,
  changedSinceIssue: false,
  ruleSet: null,
  ruleVersion: null,
  source,
  computedAt: null,
  age: null,
  stale: false,
  ...(liveCall ? { liveCall } : {}),
});

/** A code of another region: the kept answer of the issuer, asked at once only when none is kept. */
async function checkRemote(
  ctx: Ctx,
  claims: CodeClaims,
  base: Base,
  venue: string | null,
  checkpoint: string | null,
): Promise<CheckAnswer> {
  const remote = await remoteStatus(ctx.platform, claims.iss, claims.sub);
  const person = `${claims.iss}:${claims.sub}`;
  if (!remote || !remote.known || remote.colour === null) {
    await audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: { valid: true, reason: 'status_unknown', cti: claims.cti, venue, issuer: claims.iss },
    });
    return unknown(base, remote?.source ?? 'issuer', remote?.source !== 'replica');
  }
  const changed =
    remote.colour !== claims.colour ||
    (remote.since !== null && Math.floor(Date.parse(remote.since) / 1000) > claims.statusTime);
  await Promise.all([
    recordScan(ctx.db, { subject: person, codeId: claims.cti, venue, checkpoint, colour: remote.colour }),
    audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: {
        valid: true,
        cti: claims.cti,
        venue,
        colour: remote.colour,
        issuer: claims.iss,
        source: remote.source,
        stale: remote.stale,
      },
    }),
  ]);
  return {
    ...base,
    reason: 'ok',
    colour: remote.colour,
    changedSinceIssue: changed,
    ruleSet: remote.ruleSet,
    ruleVersion: remote.ruleVersion,
    source: remote.source,
    computedAt: remote.computedAt,
    age: secs(remote.ageMs),
    stale: remote.stale,
    ...(remote.stale
      ? {
          staleReason:
            remote.source === 'replica'
              ? `the kept answer of region ${claims.iss} is ${secs(remote.ageMs)} s old; a refresh is queued`
              : `region ${claims.iss} answered with a status older than its freshness limit; its recompute is queued there`,
        }
      : {}),
    ...(remote.source === 'issuer' ? { liveCall: true } : {}),
    ...(remote.decidedBy ? { decidedBy: remote.decidedBy } : {}),
  };
}

export interface CheckInput {
  code: string;
  venue?: string | undefined;
}

export type CheckAnswer =
  | {
      valid: false;
      reason: FailureReason;
      detail: string;
      kid?: string;
      region?: string;
      issuedAt?: string;
      expiresAt?: string;
    }
  | {
      valid: true;
      /** ok, or status_unknown: the code is genuine but this node holds no status for its subject (colour null). */
      reason: 'ok' | 'status_unknown';
      /** The stored colour; null when the status is unknown. */
      colour: Colour | null;
      colourInCode: Colour;
      /** The colour changed, or its reasons did (status time later than the code's), since the code was issued. */
      changedSinceIssue: boolean;
      region: string;
      kid: string;
      issuedAt: string;
      expiresAt: string;
      ruleSet: string | null;
      ruleVersion: string | null;
      /** Where the colour comes from: the issuer's stored status (this node's, or asked now over the federation), or the kept copy of its last answer. */
      source: 'issuer' | 'replica';
      /** When the status was computed (by the issuer); null when unknown. */
      computedAt: string | null;
      /** Seconds since the status was computed here, or since the kept answer of another region was received. */
      age: number | null;
      /** The status (or a region's answer it rests on) is older than its freshness limit: shown as it is, a refresh queued. */
      stale: boolean;
      /** Why it is stale and what was queued (only when stale). */
      staleReason?: string;
      /** Another region was asked during this check, because no answer of it was kept yet. */
      liveCall?: boolean;
      /** The region whose data decided the colour: the issuer, or the person's home region when its status is stricter. */
      decidedBy?: string;
    };

export async function checkCode(ctx: Ctx, input: CheckInput): Promise<CheckAnswer> {
  const checkpoint = callerDepartment(ctx) ?? null;
  const venue = input.venue ?? null;
  const r = await verifyWithNode(ctx.platform, input.code);
  const v = verdictOf(r);
  if (!r.valid) {
    await audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: { valid: false, reason: r.reason, venue, ...(r.claims ? { cti: r.claims.cti } : {}) },
    });
    const { colour: _c, ruleSet: _rs, ruleVersion: _rv, ...rest } = v;
    return { ...rest, valid: false, reason: r.reason, detail: r.detail };
  }
  const claims = r.claims;
  const base: Base = {
    valid: true as const,
    colourInCode: claims.colour,
    region: r.region,
    kid: r.kid,
    issuedAt: v.issuedAt!,
    expiresAt: v.expiresAt!,
  };
  if (claims.iss !== ctx.platform.settings.region) return checkRemote(ctx, claims, base, venue, checkpoint);
  const stored = await storedStatusBySub(ctx.platform, claims.sub);
  if (!stored) {
    await audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: { valid: true, reason: 'status_unknown', cti: claims.cti, venue },
    });
    return unknown(base, 'issuer', false);
  }
  const status = stored.status;
  const overlay = await overlayStatus(ctx.platform, status);
  const colour = overlay.colour;
  const changed = colour !== claims.colour || Math.floor(Date.parse(status.since) / 1000) > claims.statusTime;
  const homeStale = overlay.home?.stale === true;
  const why = [
    stored.stale ? `the status is ${secs(stored.ageMs)} s old (limit ${secs(STALE_MS)} s); a recompute is queued` : '',
    homeStale
      ? `the kept answer of the home region ${overlay.home!.region} is ${secs(overlay.home!.ageMs)} s old; a refresh is queued`
      : '',
  ].filter(Boolean);
  await Promise.all([
    recordScan(ctx.db, { subject: status.subject, codeId: claims.cti, venue, checkpoint, colour }),
    audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      subjects: [status.subject],
      detail: {
        valid: true,
        cti: claims.cti,
        venue,
        colour,
        colourInCode: claims.colour,
        decidedBy: overlay.decidedBy,
        stale: why.length > 0,
      },
    }),
  ]);
  return {
    ...base,
    reason: 'ok',
    colour,
    changedSinceIssue: changed,
    ruleSet: status.ruleSet,
    ruleVersion: status.ruleVersion,
    source: 'issuer',
    computedAt: status.computedAt,
    age: secs(stored.ageMs),
    stale: why.length > 0,
    ...(why.length ? { staleReason: why.join('; ') } : {}),
    ...(overlay.home?.source === 'live' ? { liveCall: true } : {}),
    decidedBy: overlay.decidedBy,
  };
}
