import { forbidden, unauthorized } from '../core/problem.js';
import type { Ctx } from './context.js';
import type { Principal } from './principal.js';

// The one place that decides who may do what. Service functions call these before touching data.

/** A department (or the node itself). People sign in for their own data only (requirePerson). */
export function requireAuthenticated(ctx: Ctx): Extract<Principal, { kind: 'department' | 'system' }> {
  const p = ctx.principal;
  if (p.kind === 'anonymous') throw unauthorized('An API token is required (Authorization: Bearer <token>).');
  if (p.kind === 'person')
    throw forbidden(
      'department_token_required',
      'This needs a department API token; a person token opens only the person’s own records.',
    );
  return p;
}

/** A person signed in with a person token: sees only their own data and its access history. */
export function requirePerson(ctx: Ctx): Extract<Principal, { kind: 'person' }> {
  const p = ctx.principal;
  if (p.kind === 'anonymous') throw unauthorized('A person token is required (Authorization: Bearer gsp_...).');
  if (p.kind !== 'person')
    throw forbidden('person_token_required', 'This shows a person their own data; sign in with a person token.');
  return p;
}

/** Data-center administrators (and the node itself) manage departments, tokens and the data standard. */
export function requireAdmin(ctx: Ctx): void {
  const p = requireAuthenticated(ctx);
  if (p.kind === 'system') return;
  if (p.role !== 'admin') throw forbidden('admin_required', 'This action needs a data-center administrator token.');
}

export function isAdmin(ctx: Ctx): boolean {
  return ctx.principal.kind === 'system' || (ctx.principal.kind === 'department' && ctx.principal.role === 'admin');
}

/** The department the caller acts for, or undefined for the node itself. */
export function callerDepartment(ctx: Ctx): string | undefined {
  const p = requireAuthenticated(ctx);
  return p.kind === 'department' ? p.departmentId : undefined;
}

/** Catalog metadata: the owner edits its own entries, the data-center admin may edit any. */
export function requireCatalogEditor(ctx: Ctx, ownerId: string): void {
  const dept = callerDepartment(ctx);
  if (dept === undefined || dept === ownerId || isAdmin(ctx)) return;
  throw forbidden(
    'not_dataset_owner',
    `Only the owning department (${ownerId}) or a data-center administrator may change this dataset.`,
  );
}

/** Records: only the owning department writes into its dataset; it answers for its data. Not even the admin may. */
export function requireDataWriter(ctx: Ctx, ownerId: string): void {
  const dept = callerDepartment(ctx);
  if (dept === undefined || dept === ownerId) return;
  throw forbidden('not_dataset_owner', `Only the owning department (${ownerId}) may write records into this dataset.`);
}

/** Reading records directly (not through a sharing grant): the owner only. Sharing grants come with the sharing capability. */
export function requireDataReader(ctx: Ctx, ownerId: string): void {
  const dept = callerDepartment(ctx);
  if (dept === undefined || dept === ownerId) return;
  throw forbidden('no_grant', `Department ${dept} has no grant to read this dataset owned by ${ownerId}.`);
}
