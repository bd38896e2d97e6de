import type { AuditInput, AuditSink } from '../audit/entry.js';
import type { Lang } from '../core/i18n.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/types.js';
import type { Principal } from './principal.js';

/** The node's shared services: database, field keys, audit ledger and settings. One per process. */
export interface Platform {
  readonly db: Db;
  /** Field-encryption keys and the blind-index key; replaced in place when keys rotate. */
  ring: Keyring;
  readonly audit: AuditSink;
  readonly settings: PlatformSettings;
}

export interface PlatformSettings {
  /** Working days an owner has to answer a conditional request (State Council interim measures: 10). */
  answerWorkingDays: number;
  /** The node's region: GB/T 2260 code written as `iss` into its health codes and used to pick its rule set. */
  region: string;
  /** Lifetime of an issued health code, in seconds (default 300). */
  codeTtlSeconds: number;
  /** Days venue scans, checkpoint scans and itineraries are kept (default 21). */
  retentionDays: number;
  /** Federation (docs/federation.md): this node's role, the hub's URL for a region node, the sync interval. */
  federation: FederationSettings;
}

export interface FederationSettings {
  role: 'standalone' | 'hub' | 'region';
  hubUrl: string | undefined;
  /** The hub's node key (DER SPKI, base64) when configured; else pinned on first contact. */
  hubKey: string | undefined;
  syncMs: number;
}

/**
 * The per-request context every capability's service functions take: the caller, the platform and the user's
 * language. Policy checks (access/policy.ts) and audit entries (ctx.audit) happen below the HTTP routes.
 */
export interface Ctx {
  readonly db: Db;
  readonly platform: Platform;
  readonly principal: Principal;
  readonly lang: Lang;
}

export const makeCtx = (platform: Platform, principal: Principal, lang: Lang = 'en'): Ctx => ({ db: platform.db, platform, principal, lang });

/** The actor of an audit entry, from the caller. */
export function actorOf(ctx: Ctx): AuditInput['actor'] {
  const p = ctx.principal;
  switch (p.kind) {
    case 'department':
      return { kind: 'department', department: p.departmentId, token: p.tokenId };
    case 'person':
      return { kind: 'person', person: p.subject };
    case 'system':
      return { kind: 'system', reason: p.reason };
    default:
      return { kind: 'anonymous' };
  }
}

/** Appends an audit entry for this caller; resolves once it is durable. */
export function audit(ctx: Ctx, input: Omit<AuditInput, 'actor'>): Promise<number> {
  return ctx.platform.audit.append({ ...input, actor: actorOf(ctx) });
}
