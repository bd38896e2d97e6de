// Issuing a person's health code: their current status, signed with the node's active code key.
import { audit, type Ctx } from '../../access/context.js';
import type { Platform } from '../../platform/platform.js';
import { requireAdmin, requirePerson } from '../../access/policy.js';
import { badRequest } from '../../core/problem.js';
import { subjectOf } from '../../records/keys.js';
import { validateCitizenId } from '../../standard/index.js';
import { issueCode, renderQrPng, renderQrSvg, type CodeClaims, type Colour } from '../hcert/index.js';
import { captureIdentity, overlayStatus } from '../../federation/overlay.js';
import { currentStatus } from '../status/service.js';
import { activeCodeKey } from './keys.js';

export interface IssuedHealthCode {
  code: string;
  colour: Colour;
  issuedAt: string;
  expiresAt: string;
  kid: string;
  /** The code id (claim cti), hex. */
  cti: string;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * A code for a subject (the blind index of their ID number): `sub` is the status's pseudonymous codeSub, never
 * the ID number or the name. No policy check here: callers decide who may ask. Issuing is an explicit write, and
 * the colour is signed into the code for its lifetime, so it takes the current status (recomputed for this one
 * person when stale) and asks the person's home region now (its kept answer when it cannot be reached).
 */
export async function issueCodeFor(p: Platform, subject: string): Promise<IssuedHealthCode & { claims: CodeClaims }> {
  const [status, key] = await Promise.all([currentStatus(p, subject), activeCodeKey(p)]);
  const overlay = await overlayStatus(p, status, 'live');
  const { text, claims } = issueCode(
    {
      iss: p.settings.region,
      sub: status.codeSub,
      colour: overlay.colour,
      ruleSet: status.ruleSet,
      ruleVersion: status.ruleVersion,
      statusTime: Math.floor(Date.parse(status.since) / 1000),
      ttlSeconds: p.settings.codeTtlSeconds,
    },
    key.key,
  );
  return {
    code: text,
    colour: claims.colour,
    issuedAt: iso(claims.iat),
    expiresAt: iso(claims.exp),
    kid: key.kid,
    cti: claims.cti,
    claims,
  };
}

async function issueAudited(ctx: Ctx, subject: string, by: 'person' | 'admin'): Promise<IssuedHealthCode> {
  const { claims: _claims, ...issued } = await issueCodeFor(ctx.platform, subject);
  await audit(ctx, {
    action: 'healthcode.code.issue',
    outcome: 'ok',
    subjects: [subject],
    detail: { cti: issued.cti, kid: issued.kid, colour: issued.colour, expiresAt: issued.expiresAt, by },
  });
  return issued;
}

/** GET /api/v1/me/code: the signed-in person's own code. */
export async function issueMyCode(ctx: Ctx): Promise<IssuedHealthCode> {
  const p = requirePerson(ctx);
  return issueAudited(ctx, p.subject, 'person');
}

/**
 * POST /api/v1/codes: a data-center administrator issues a person's code by their ID number (audited with the
 * person). On a region node, for a person whose home region is another region, the identity is captured as its own
 * audited step (federation.identity.capture), so this node can ask the home region (one status per person).
 */
export async function issueCodeForCitizen(ctx: Ctx, citizenId: string): Promise<IssuedHealthCode> {
  requireAdmin(ctx);
  const id = citizenId.trim().toUpperCase();
  const issue = validateCitizenId(id);
  if (issue) throw badRequest('invalid_citizen_id', `citizenId: ${issue.message.en}`);
  const subject = subjectOf(ctx.platform.ring, id);
  await captureIdentity(ctx, id, 'code-issue');
  return issueAudited(ctx, subject, 'admin');
}

/** The QR image of a code. */
export async function renderCode(
  code: string,
  format: 'svg' | 'png',
): Promise<{ type: string; body: string | Buffer }> {
  return format === 'svg'
    ? { type: 'image/svg+xml', body: await renderQrSvg(code) }
    : { type: 'image/png', body: await renderQrPng(code) };
}
