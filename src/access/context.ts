import type { AuditInput } from '../audit/entry.js';
import type { Lang } from '../core/i18n.js';
import type { Db } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import type { Principal } from './principal.js';

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

export const makeCtx = (platform: Platform, principal: Principal, lang: Lang = 'en'): Ctx => ({
  db: platform.db,
  platform,
  principal,
  lang,
});

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
