import { randomBytes } from 'node:crypto';
import { audit, type Ctx } from '../access/context.js';
import type { Principal } from '../access/principal.js';
import { requireAdmin } from '../access/policy.js';
import { canonicalJson } from '../core/canonical-json.js';
import { badRequest } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { activeSigningKey, publicKeys, signBytes, verifyBytes } from '../keys/signing.js';
import { subjectOf } from '../records/keys.js';
import { validateCitizenId } from '../standard/index.js';
import { captureIdentity } from '../federation/overlay.js';

// Person tokens: `gsp_<payload>.<signature>`, base64url. The payload is canonical JSON
// {exp, iat, jti, kid, sub} where sub is the person's pseudonymous subject id (a blind index of the ID number,
// never the number itself); the signature is ES256 by the node's 'person' key. A real identity provider can
// replace the issuer later: verification only needs the node's public keys.

const PREFIX = 'gsp_';

export interface PersonToken {
  token: string;
  subject: string;
  expiresAt: string;
}

export interface PersonTokenOptions {
  ttlMinutes?: number | undefined;
  /**
   * Also keep whose ID number the subject is, so this region node can ask the person's home region for their
   * status: an explicit, separately audited step (federation.identity.capture), done only on a region node for a
   * person whose home region is another region. Off by default: a person token needs no identity kept.
   */
  captureIdentity?: boolean | undefined;
}

export async function issuePersonToken(
  ctx: Ctx,
  citizenId: string,
  opts: PersonTokenOptions = {},
): Promise<PersonToken & { identityCaptured?: boolean }> {
  const ttlMinutes = opts.ttlMinutes ?? 60;
  requireAdmin(ctx);
  const issue = validateCitizenId(citizenId.toUpperCase());
  if (issue) throw badRequest('invalid_citizen_id', `citizenId: ${issue.message.en}`);
  const key = await activeSigningKey(ctx.db, ctx.platform.ring, 'person');
  const now = Math.floor(Date.now() / 1000);
  const sub = subjectOf(ctx.platform.ring, citizenId);
  const payload = {
    exp: now + ttlMinutes * 60,
    iat: now,
    jti: randomBytes(9).toString('base64url'),
    kid: key.kid,
    sub,
  };
  const body = Buffer.from(canonicalJson(payload), 'utf8');
  const token = `${PREFIX}${body.toString('base64url')}.${signBytes(key.privateKey, body).toString('base64url')}`;
  await audit(ctx, {
    action: 'persons.token_issued',
    outcome: 'ok',
    subjects: [sub],
    detail: { jti: payload.jti, expiresAt: new Date(payload.exp * 1000).toISOString() },
  });
  const captured = opts.captureIdentity ? (await captureIdentity(ctx, citizenId, 'person-token')).captured : undefined;
  return {
    token,
    subject: sub,
    expiresAt: new Date(payload.exp * 1000).toISOString(),
    ...(captured !== undefined ? { identityCaptured: captured } : {}),
  };
}

export const isPersonToken = (token: string): boolean => token.startsWith(PREFIX);

// Every request with a person token needs the node's person keys: cached per database for KEYS_CACHE_MS
// (a key revoked in another process stops verifying within that time).
const KEYS_CACHE_MS = 5000;
const keyCache = new WeakMap<Queryable, { at: number; keys: ReturnType<typeof publicKeys> }>();

function personKeys(q: Queryable): ReturnType<typeof publicKeys> {
  const hit = keyCache.get(q);
  if (hit && Date.now() - hit.at < KEYS_CACHE_MS) return hit.keys;
  const keys = publicKeys(q, 'person');
  keyCache.set(q, { at: Date.now(), keys });
  keys.catch(() => keyCache.delete(q));
  return keys;
}

/** The person a token stands for, or undefined when it is malformed, forged or expired. */
export async function authenticatePerson(q: Queryable, token: string): Promise<Principal | undefined> {
  const m = /^gsp_([A-Za-z0-9_-]{10,600})\.([A-Za-z0-9_-]{80,90})$/.exec(token);
  if (!m) return undefined;
  const body = Buffer.from(m[1]!, 'base64url');
  let payload: { exp?: unknown; kid?: unknown; sub?: unknown; jti?: unknown };
  try {
    payload = JSON.parse(body.toString('utf8')) as typeof payload;
  } catch {
    return undefined;
  }
  if (
    typeof payload.kid !== 'string' ||
    typeof payload.sub !== 'string' ||
    typeof payload.exp !== 'number' ||
    typeof payload.jti !== 'string'
  )
    return undefined;
  if (payload.exp * 1000 <= Date.now()) return undefined;
  let key = (await personKeys(q)).get(payload.kid);
  if (!key) {
    keyCache.delete(q); // a key made since the cache was filled
    key = (await personKeys(q)).get(payload.kid);
  }
  if (!key || key.status === 'revoked' || !verifyBytes(key.key, body, Buffer.from(m[2]!, 'base64url')))
    return undefined;
  return { kind: 'person', subject: payload.sub, tokenId: payload.jti };
}
