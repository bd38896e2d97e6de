// Online check at a checkpoint or venue: verify the code, then answer with the person's CURRENT colour from the
// issuer (this node), and record the scan for contact tracing. Hot path: one verify (cached trust lookup), one
// indexed status lookup, one insert, one audit append (group-committed).
import { audit, type Ctx } from '../../access/context.js';
import { recordScan } from './scans.js';
import { callerDepartment } from '../../access/policy.js';
import type { Colour, FailureReason } from '../hcert/index.js';
import { statusBySub } from '../status/service.js';
import { verdictOf } from './verdict.js';
import { verifyWithNode } from './verify.js';
import { remoteStatus } from '../../federation/remote-status.js';
import { overlayStatus } from '../../federation/overlay.js';
import type { CodeClaims } from '../hcert/index.js';

type Base = Omit<
  Extract<CheckAnswer, { valid: true }>,
  'reason' | 'colour' | 'changedSinceIssue' | 'ruleSet' | 'ruleVersion'
>;

/** A code of another region: its current status from the issuer over the federation, or the kept copy. */
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
    return {
      ...base,
      reason: 'status_unknown',
      colour: null,
      changedSinceIssue: false,
      ruleSet: null,
      ruleVersion: null,
      ...(remote ? { source: remote.source } : {}),
    };
  }
  const changed =
    remote.colour !== claims.colour ||
    (remote.since !== null && Math.floor(Date.parse(remote.since) / 1000) > claims.statusTime);
  await Promise.all([
    recordScan(ctx.db, { subject: person, codeId: claims.cti, venue, checkpoint, colour: remote.colour }),
    audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: { valid: true, cti: claims.cti, venue, colour: remote.colour, issuer: claims.iss, source: remote.source },
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
      /** The current colour; null when the status is unknown. */
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
      /** Where the colour comes from: the issuer (this node, or asked over the federation), or the kept copy of its last answer. */
      source: 'issuer' | 'replica';
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
    source: 'issuer',
  };
  if (claims.iss !== ctx.platform.settings.region) return checkRemote(ctx, claims, base, venue, checkpoint);
  const status = await statusBySub(ctx.platform, claims.sub);
  if (!status) {
    await audit(ctx, {
      action: 'healthcode.check',
      outcome: 'ok',
      detail: { valid: true, reason: 'status_unknown', cti: claims.cti, venue },
    });
    return {
      ...base,
      reason: 'status_unknown',
      colour: null,
      changedSinceIssue: false,
      ruleSet: null,
      ruleVersion: null,
    };
  }
  const overlay = await overlayStatus(ctx.platform, status);
  const colour = overlay.colour;
  const changed = colour !== claims.colour || Math.floor(Date.parse(status.since) / 1000) > claims.statusTime;
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
    decidedBy: overlay.decidedBy,
  };
}
