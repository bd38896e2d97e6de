import { createHash, randomBytes } from 'node:crypto';
import { audit, type Ctx } from '../access/context.js';
import { requireAdmin } from '../access/policy.js';
import type { Principal, Role } from '../access/principal.js';
import { newId } from '../core/ids.js';
import { badRequest, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';

// Tokens are 32 random bytes: a fast hash is enough (no dictionary to attack), and lookups stay one index probe.
const PREFIX = 'gst_';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface IssuedToken {
  id: string;
  departmentId: string;
  name: string;
  token: string; // shown once, never stored
  expiresAt: string | null;
}

export interface TokenInfo {
  id: string;
  departmentId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface TokenRow {
  id: string;
  department_id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Issues a token without a policy check: bootstrap and demo only. */
export async function insertToken(
  q: Queryable,
  departmentId: string,
  name: string,
  createdBy: string | null,
  expiresAt?: string,
): Promise<IssuedToken> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  const id = newId('tok');
  await q.query(
    'INSERT INTO api_tokens (id, department_id, name, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, departmentId, name, hashToken(token), createdBy, expiresAt ?? null],
  );
  return { id, departmentId, name, token, expiresAt: expiresAt ?? null };
}

const actorId = (p: Principal): string =>
  p.kind === 'department' ? p.tokenId : p.kind === 'system' ? `system:${p.reason}` : 'anonymous';

export async function issueToken(
  ctx: Ctx,
  departmentId: string,
  name: string,
  expiresAt?: string,
): Promise<IssuedToken> {
  requireAdmin(ctx);
  if (expiresAt !== undefined) {
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) throw badRequest('invalid_expiry', 'expiresAt is not a date-time (RFC 3339).');
    if (at <= Date.now())
      throw badRequest('expiry_in_past', 'expiresAt is in the past: a token must expire after it is issued.');
  }
  const dept = await ctx.db.query('SELECT 1 FROM departments WHERE id = $1', [departmentId]);
  if (dept.rows.length === 0) throw notFound('department_not_found', `No department with id ${departmentId}.`);
  const t = await insertToken(ctx.db, departmentId, name, actorId(ctx.principal), expiresAt);
  await audit(ctx, { action: 'tokens.issue', outcome: 'ok', detail: { department: departmentId, token: t.id, name } });
  return t;
}

export async function listTokens(ctx: Ctx, departmentId: string): Promise<TokenInfo[]> {
  requireAdmin(ctx);
  const res = await ctx.db.query<TokenRow>(
    'SELECT id, department_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE department_id = $1 ORDER BY created_at, id',
    [departmentId],
  );
  return res.rows.map((r) => ({
    id: r.id,
    departmentId: r.department_id,
    name: r.name,
    createdAt: new Date(r.created_at).toISOString(),
    expiresAt: isoOrNull(r.expires_at),
    revokedAt: isoOrNull(r.revoked_at),
    lastUsedAt: isoOrNull(r.last_used_at),
  }));
}

export async function revokeToken(ctx: Ctx, tokenId: string): Promise<void> {
  requireAdmin(ctx);
  const res = await ctx.db.query('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1', [
    tokenId,
  ]);
  if (res.rowCount === 0) throw notFound('token_not_found', `No token with id ${tokenId}.`);
  authCache.clear();
  await audit(ctx, { action: 'tokens.revoke', outcome: 'ok', detail: { token: tokenId } });
}

const lastTouched = new Map<string, number>();

/**
 * Valid tokens seen in the last moments, by hash. A revocation in this process drops the cache at once; one made
 * by another process sharing the database takes effect within AUTH_CACHE_MS. Unknown tokens are never cached.
 */
export const AUTH_CACHE_MS = 2_000;
const authCache = new Map<string, { principal: Principal; at: number; expiresAt: number }>();

/** Resolves a bearer token to its principal; undefined when unknown, revoked or expired. */
export async function authenticate(q: Queryable, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
  const hash = hashToken(token);
  const now = Date.now();
  const hit = authCache.get(hash);
  if (hit && now - hit.at < AUTH_CACHE_MS && now < hit.expiresAt) return hit.principal;
  const principal = await lookupToken(q, hash);
  if (principal) {
    if (authCache.size > 10_000) authCache.clear();
    authCache.set(hash, { principal: principal.principal, at: now, expiresAt: principal.expiresAt });
  } else authCache.delete(hash);
  return principal?.principal;
}

async function lookupToken(
  q: Queryable,
  hash: string,
): Promise<{ principal: Principal; expiresAt: number } | undefined> {
  const res = await q.query<{ id: string; department_id: string; role: Role; expires_at: Date | string | null }>(
    `SELECT t.id, t.department_id, d.role, t.expires_at FROM api_tokens t JOIN departments d ON d.id = t.department_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [hash],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  // Record use at most once a minute per token, so reads stay reads.
  const now = Date.now();
  if ((lastTouched.get(row.id) ?? 0) < now - 60_000) {
    lastTouched.set(row.id, now);
    await q.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  }
  return {
    principal: { kind: 'department', departmentId: row.department_id, role: row.role, tokenId: row.id },
    expiresAt: row.expires_at === null ? Infinity : new Date(row.expires_at).getTime(),
  };
}
