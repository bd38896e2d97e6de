// The node's code-signing keys: node_keys with purpose 'code'. One is active and signs new codes; a rotation
// retires it (it keeps verifying the codes it signed until they have expired, then leaves the trust list);
// a revocation stops every code it ever signed at once. See hcert/CLAIMS.md, "A node's code keys and published trust list".
import { audit, type Ctx } from '../../access/context.js';
import type { Platform, PlatformSettings } from '../../platform/platform.js';
import { requireAdmin } from '../../access/policy.js';
import { badRequest, conflict, notFound } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import { activeSigningKey, kidUrlOf, normaliseKid, rotateSigningKey, withKeyLock } from '../../keys/signing.js';
import { CLOCK_SKEW_MS, codeKeyFrom, type CodeKey, type KeyStatus } from '../hcert/index.js';
import { DbCache, codeKeysChanged } from './cache.js';

const DAY_MS = 86_400_000;
/** How long a process keeps using the active signing key it loaded (another process's rotation is seen within it). */
export const SIGNING_CACHE_MS = 5000;
/**
 * A retired key may still have signed for this long after its retired_at (a process that had it cached), so its
 * trust-list validTo is retired_at + this grace.
 */
export const RETIRE_GRACE_MS = SIGNING_CACHE_MS;
/** An active key's validTo is created_at + one year; the code-key worker replaces it a day before. */
export const KEY_LIFETIME_MS = 365 * DAY_MS;
const RENEW_MARGIN_MS = DAY_MS;

export interface ActiveCodeKey {
  kid: string; // base64
  key: CodeKey;
  createdAt: number; // ms
}

export interface KeyRow {
  kid: string;
  status: KeyStatus;
  created_at: Date | string;
  retired_at: Date | string | null;
  public_key: string; // DER SPKI, base64
}

/** A code key as administrators see it. `listed`: whether it is in the trust list now. */
export interface CodeKeyInfo {
  kid: string;
  kidUrl: string;
  status: KeyStatus;
  createdAt: string;
  retiredAt: string | null;
  validFrom: string;
  validTo: string;
  listed: boolean;
}

export interface KeyWindow {
  validFrom: number;
  validTo: number;
  /** In the trust list at `now`. */
  listed: boolean;
  /** When a retired key leaves (or left) the list. */
  leavesAt: number | undefined;
}

const ms = (v: Date | string): number => new Date(v).getTime();

/** How long after retirement a key's codes can still be valid: grace + code lifetime + clock skew. */
export const lingerMs = (settings: PlatformSettings): number =>
  RETIRE_GRACE_MS + settings.codeTtlSeconds * 1000 + CLOCK_SKEW_MS;

/**
 * A key's signing window and whether it is listed. validFrom is created_at floored to the second (a code's iat is
 * in whole seconds); validTo is retired_at + grace for retired and revoked keys, created_at + one year for the
 * active one. Retired keys are listed until retired_at + linger; revoked keys always (so verifiers say key_revoked).
 */
export function keyWindow(row: KeyRow, settings: PlatformSettings, now: number): KeyWindow {
  const created = ms(row.created_at);
  const validFrom = Math.floor(created / 1000) * 1000;
  if (row.status === 'active' || row.retired_at === null) {
    return { validFrom, validTo: Math.max(validFrom, created + KEY_LIFETIME_MS), listed: true, leavesAt: undefined };
  }
  const retired = ms(row.retired_at);
  const validTo = Math.max(validFrom, retired + (row.status === 'retired' ? RETIRE_GRACE_MS : 0));
  if (row.status === 'revoked') return { validFrom, validTo, listed: true, leavesAt: undefined };
  const leavesAt = retired + lingerMs(settings);
  return { validFrom, validTo, listed: now < leavesAt, leavesAt };
}

/** Base64 of an 8-byte kid from base64 or base64url (with or without padding); undefined when it is not one. */
export function keyInfo(row: KeyRow, settings: PlatformSettings, now = Date.now()): CodeKeyInfo {
  const w = keyWindow(row, settings, now);
  return {
    kid: row.kid,
    kidUrl: kidUrlOf(row.kid),
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
    retiredAt: row.retired_at === null ? null : new Date(row.retired_at).toISOString(),
    validFrom: new Date(w.validFrom).toISOString(),
    validTo: new Date(w.validTo).toISOString(),
    listed: w.listed,
  };
}

const KEY_COLUMNS = 'kid, status, created_at, retired_at, public_key';

export async function codeKeyRows(q: Queryable): Promise<KeyRow[]> {
  return (await q.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM node_keys WHERE purpose = 'code' ORDER BY created_at, kid`))
    .rows;
}

const createdAtOf = async (q: Queryable, kid: string): Promise<number> =>
  ms(
    (await q.query<{ created_at: Date | string }>('SELECT created_at FROM node_keys WHERE kid = $1', [kid])).rows[0]!
      .created_at,
  );

async function loadActive(p: Platform): Promise<{ value: ActiveCodeKey; until: number }> {
  // Normally the key exists (the code-key worker makes the first one at start); a node whose workers have not run
  // (a test platform) makes it here under the lock. Never a rotation: that is the worker's (renewCodeKey).
  const value = await withKeyLock(p.db, 'code', async (tx) => {
    const k = await activeSigningKey(tx, p.ring, 'code');
    return { kid: k.kid, key: codeKeyFrom(k.privateKey), createdAt: await createdAtOf(tx, k.kid) };
  });
  return { value, until: Date.now() + SIGNING_CACHE_MS };
}

const signingCache = new DbCache<ActiveCodeKey>();

/**
 * The key that signs new codes (issuing only: a check never needs it). Cached per process for SIGNING_CACHE_MS, so
 * issuing does not decrypt the private key per code; a rotation or revocation in this process drops the cache at once.
 */
export function activeCodeKey(p: Platform): Promise<ActiveCodeKey> {
  return signingCache.get(p.db, () => loadActive(p));
}

/**
 * The code-key worker's step (node/workers.ts: at start, then every few minutes): makes the first code key when
 * there is none, and replaces the active key a day before its one-year validTo. Audited as the node. Returns the
 * active kid and what it did.
 */
export async function renewCodeKey(
  p: Platform,
  now = Date.now(),
): Promise<{ kid: string; made: 'none' | 'first' | 'renewed' }> {
  const r = await withKeyLock(p.db, 'code', async (tx) => {
    const active = await tx.query<{ kid: string; created_at: Date | string }>(
      `SELECT kid, created_at FROM node_keys WHERE purpose = 'code' AND status = 'active'`,
    );
    const row = active.rows[0];
    if (row && now < ms(row.created_at) + KEY_LIFETIME_MS - RENEW_MARGIN_MS)
      return { kid: row.kid, made: 'none' as const, retired: [] as string[] };
    const k = await rotateSigningKey(tx, p.ring, 'code');
    return { kid: k.kid, made: row ? ('renewed' as const) : ('first' as const), retired: row ? [row.kid] : [] };
  });
  if (r.made === 'none') return { kid: r.kid, made: r.made };
  codeKeysChanged(p.db);
  await p.audit.append({
    action: 'healthcode.key.rotate',
    outcome: 'ok',
    actor: { kind: 'system', reason: r.made === 'first' ? 'first code key' : 'code key lifetime' },
    detail: { kid: r.kid, retired: r.retired },
  });
  return { kid: r.kid, made: r.made };
}

/** Rotation: a new key signs new codes at once; the old one is retired and stays listed until its codes expire. */
export async function rotateCodeKey(ctx: Ctx): Promise<{ active: CodeKeyInfo; retired: string[] }> {
  requireAdmin(ctx);
  const p = ctx.platform;
  const { kid, retired } = await withKeyLock(p.db, 'code', async (tx) => {
    const old = await tx.query<{ kid: string }>(
      `SELECT kid FROM node_keys WHERE purpose = 'code' AND status = 'active'`,
    );
    const k = await rotateSigningKey(tx, p.ring, 'code');
    return { kid: k.kid, retired: old.rows.map((r) => r.kid) };
  });
  codeKeysChanged(p.db);
  await audit(ctx, { action: 'healthcode.key.rotate', outcome: 'ok', detail: { kid, retired } });
  return { active: await keyInfoOf(ctx, kid), retired };
}

async function keyInfoOf(ctx: Ctx, kid: string): Promise<CodeKeyInfo> {
  const row = (await ctx.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM node_keys WHERE kid = $1`, [kid])).rows[0]!;
  return keyInfo(row, ctx.platform.settings);
}

/**
 * Revocation: every code the key signed fails at once (key_revoked). retired_at becomes the revocation time.
 * Revoking the active key makes a new active key in the same transaction, so the node keeps issuing.
 */
export async function revokeCodeKey(
  ctx: Ctx,
  kidParam: string,
  reason?: string,
): Promise<{ revoked: CodeKeyInfo; active: CodeKeyInfo }> {
  requireAdmin(ctx);
  const kid = normaliseKid(kidParam);
  if (kid === undefined)
    throw badRequest('invalid_kid', 'kid must be a code key id: 8 bytes in base64url (or base64), e.g. "q1w2e3r4t5Y".');
  const p = ctx.platform;
  const replacement = await withKeyLock(p.db, 'code', async (tx) => {
    const row = (
      await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM node_keys WHERE kid = $1 AND purpose = 'code'`, [kid])
    ).rows[0];
    if (!row) throw notFound('code_key_not_found', `No code-signing key has kid ${kid}.`);
    if (row.status === 'revoked') throw conflict('code_key_already_revoked', `Code key ${kid} was already revoked.`);
    await tx.query(`UPDATE node_keys SET status = 'revoked', retired_at = now() WHERE kid = $1`, [kid]);
    return row.status === 'active' ? (await rotateSigningKey(tx, p.ring, 'code')).kid : undefined;
  });
  codeKeysChanged(p.db);
  await audit(ctx, {
    action: 'healthcode.key.revoke',
    outcome: 'ok',
    ...(reason ? { reason } : {}),
    detail: { kid, ...(replacement ? { replacedBy: replacement } : {}) },
  });
  const active = replacement ?? (await activeCodeKey(p)).kid;
  return { revoked: await keyInfoOf(ctx, kid), active: await keyInfoOf(ctx, active) };
}

/** Every code key, newest first, with its window and whether it is listed now (administrator). */
export async function listCodeKeys(ctx: Ctx): Promise<CodeKeyInfo[]> {
  requireAdmin(ctx);
  const now = Date.now();
  return (await codeKeyRows(ctx.db)).map((r) => keyInfo(r, ctx.platform.settings, now)).reverse();
}
