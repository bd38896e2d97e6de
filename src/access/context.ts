import type { Lang } from '../core/i18n.js';
import type { Db } from '../db/types.js';
import type { Principal } from './principal.js';

/**
 * The per-request context every capability's service functions take. It carries the caller, the database and
 * the user's language, so that policy checks (access/policy.ts) happen below the HTTP routes, in one place.
 */
export interface Ctx {
  readonly db: Db;
  readonly principal: Principal;
  readonly lang: Lang;
}

export const makeCtx = (db: Db, principal: Principal, lang: Lang = 'en'): Ctx => ({ db, principal, lang });
