// Controlled access: every read of records goes through here. One place decides which fields, rows and period a
// caller may see, for which purpose; decrypts, masks, and writes the audit entry, for reads and for refusals.
// Nothing a department receives reveals what masking hides: records carry an opaque handle of their grant (or of
// the owner) instead of their stored key (handles.ts), cursors are sealed (cursor.ts), blind indexes never leave.
import { audit, type Ctx } from '../access/context.js';
import { requireAuthenticated } from '../access/policy.js';
import { cachedDataset } from '../catalog/service.js';
import type { Dataset } from '../catalog/schema.js';
import { badRequest, forbidden } from '../core/problem.js';
import type { ShareRequest } from '../sharing/schema.js';
import { grantHistory, liveGrants } from '../sharing/service.js';
import { PURPOSES } from '../sharing/purposes.js';
import { applyMask, type DataElement } from '../standard/index.js';
import { loadElementMap } from '../standard/registry.js';
import { cursorBinding, openCursor, sealCursor } from './cursor.js';
import { grantScope, openInScopes, ownerScope, scopedPseudonym, sealHandle } from './handles.js';
import { keyDomains, storedKey, subjectOf } from './keys.js';
import { openRecord, SEALED } from './sealed.js';

export interface ReadQuery {
  purpose?: string | undefined;
  subject?: string | undefined; // a citizen ID number (from a request body, never a URL)
  key?: string | undefined; // a stored key in clear form (key fields joined with |): the owner only
  handle?: string | undefined; // a record's handle, as this caller received it
  where?: Record<string, string> | undefined; // equality on non-encrypted fields
  inUrl?: boolean | undefined; // the filters came in a URL: only on fields that are not personal (level 1-2)
  fields?: string[] | undefined; // narrow the fields returned
  limit: number;
  after?: string | undefined; // a cursor this caller got as `next` for the same query
  history?: boolean | undefined; // every version of one record
}

export interface SharedRecord {
  handle?: string; // opaque, per grant (or per owner) and dataset; absent in a person's view of their own data
  version: number;
  data: Record<string, unknown>;
  masked: string[]; // fields shown masked
  validFrom: string;
  validTo: string | null;
}

/** What a caller may see of a dataset, decided once per request. */
export interface AccessPlan {
  ds: Dataset;
  mode: 'owner' | 'grant';
  fields: string[];
  clear: Set<string>;
  prefixes: string[] | null; // row scope by region prefix; null = all rows
  grants: string[];
  purpose: string | undefined;
  elements: Map<string, DataElement>;
  handleScope?: string; // the scope of the handles this caller gets (handles.ts); none: no handles
  openScopes?: string[]; // the scopes whose handles this caller may give back (each covering grant's, or the owner's)
}

async function deny(ctx: Ctx, ds: Dataset, code: string, detail: string, purpose?: string): Promise<never> {
  await audit(ctx, {
    action: 'records.read',
    outcome: 'denied',
    dataset: ds.id,
    ...(purpose ? { purpose } : {}),
    reason: code,
  });
  throw forbidden(code, detail);
}

/** Decides access for the caller: the owner sees its own data in clear; others only through a live grant. */
export async function planAccess(
  ctx: Ctx,
  datasetId: string,
  purpose: string | undefined,
  askedFields?: string[],
): Promise<AccessPlan> {
  const p = requireAuthenticated(ctx);
  const [ds, elements] = await Promise.all([cachedDataset(ctx.db, datasetId), loadElementMap(ctx.db)]);
  if (purpose !== undefined && !(purpose in PURPOSES))
    throw badRequest(
      'unknown_purpose',
      `purpose: ${purpose} is not in the purpose vocabulary (GET /api/v1/sharing/purposes).`,
    );
  const all = ds.fields.map((f) => f.name);
  const narrow = (allowed: string[]) => {
    if (!askedFields) return allowed;
    const unknown = askedFields.filter((f) => !all.includes(f));
    if (unknown.length) throw badRequest('unknown_field', `fields: ${unknown.join(', ')} not in dataset ${ds.id}.`);
    return askedFields;
  };
  if (p.kind === 'system' || p.departmentId === ds.owner) {
    const fields = narrow(all);
    const scope = ownerScope(ds.owner, ds.id);
    return {
      ds,
      mode: 'owner',
      fields,
      clear: new Set(fields),
      prefixes: null,
      grants: [],
      purpose,
      elements,
      handleScope: scope,
      openScopes: [scope],
    };
  }
  const consumer = p.departmentId;
  if (purpose === undefined)
    return deny(
      ctx,
      ds,
      'purpose_required',
      'Declare the purpose of this read (purpose=...); it must be one the grant covers.',
    );
  const live = await liveGrants(ctx.db, consumer, ds.id);
  // Oldest first, so the grant whose handles a read gives stays the same while it lives (a newer grant, such as a
  // renewal, takes over only when the older one ends).
  const covering = live
    .filter((g) => g.purposes.includes(purpose))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  if (covering.length === 0) {
    // Explain from the latest request for this purpose: expired, revoked, pending, refused; else no grant at all.
    const history = (await grantHistory(ctx.db, consumer, ds.id)).filter((g) => g.purposes.includes(purpose));
    const rank = (st: string) => ['pending', 'granted', 'revoked', 'expired', 'refused'].indexOf(st);
    const last = history.filter((g) => rank(g.status) >= 0).sort((a, b) => rank(a.status) - rank(b.status))[0];
    const why: Record<string, [string, string]> = {
      expired: ['grant_expired', `Your grant ${last?.id} on ${ds.id} expired at ${last?.periodEnd}; renew it.`],
      revoked: [
        'grant_revoked',
        `Your grant ${last?.id} on ${ds.id} was revoked by ${ds.owner}: ${last?.decisionReason ?? ''}`,
      ],
      pending: ['grant_pending', `Your request ${last?.id} on ${ds.id} awaits ${ds.owner}'s answer.`],
      refused: ['request_refused', `Your request ${last?.id} on ${ds.id} was refused: ${last?.decisionReason ?? ''}`],
      granted: ['grant_not_started', `Your grant ${last?.id} on ${ds.id} starts at ${last?.periodStart}.`],
    };
    const explained = last ? why[last.status] : undefined;
    if (explained) return deny(ctx, ds, explained[0], explained[1], purpose);
    if (live.length > 0) {
      return deny(
        ctx,
        ds,
        'purpose_not_covered',
        `Your grant on ${ds.id} covers ${[...new Set(live.flatMap((g) => g.purposes))].join(', ')}, not ${purpose}.`,
        purpose,
      );
    }
    return deny(
      ctx,
      ds,
      'no_grant',
      `Department ${consumer} has no grant on ${ds.id} (owned by ${ds.owner}); request one first.`,
      purpose,
    );
  }
  const granted = [...new Set(covering.flatMap((g) => g.fields))];
  if (askedFields) {
    const notGranted = askedFields.filter((f) => !granted.includes(f));
    if (notGranted.length)
      return deny(
        ctx,
        ds,
        'field_not_granted',
        `Fields ${notGranted.join(', ')} of ${ds.id} are not in your grant.`,
        purpose,
      );
  }
  const fields = askedFields ?? ds.fields.map((f) => f.name).filter((f) => granted.includes(f));
  const clear = new Set(covering.flatMap((g) => g.clearFields));
  const prefixes = covering.some((g) => !g.scope.divisionPrefix)
    ? null
    : [...new Set(covering.map((g) => g.scope.divisionPrefix!))];
  const scopes = covering.map((g) => grantScope(g.id, consumer, ds.id));
  return {
    ds,
    mode: 'grant',
    fields,
    clear,
    prefixes,
    grants: covering.map((g) => g.id),
    purpose,
    elements,
    handleScope: scopes[0]!,
    openScopes: scopes,
  };
}

interface Row {
  record_key: string;
  version: number;
  subject: string | null;
  data: Record<string, unknown>;
  valid_from: Date | string;
  valid_to: Date | string | null;
}

/** Shapes one stored row for the caller: only planned fields, decrypted, masked unless granted in clear. */
export function present(ctx: Ctx, plan: AccessPlan, row: Row): SharedRecord {
  const data: Record<string, unknown> = {};
  const masked: string[] = [];
  // Open the sealed (level-4) values only when a planned field needs them.
  const needsSeal = plan.fields.some((f) => row.data[f] === undefined) && row.data[SEALED] !== undefined;
  const values = needsSeal ? openRecord(ctx.platform.ring, plan.ds.id, row.data) : row.data;
  for (const name of plan.fields) {
    let v = values[name];
    if (v === undefined) continue;
    if (!plan.clear.has(name)) {
      const el = plan.elements.get(plan.ds.fields.find((f) => f.name === name)!.element)!;
      if (el.mask.type === 'hash' && plan.mode === 'grant' && plan.handleScope && v !== null) {
        // The standard's hash is unkeyed (the same in every dataset): a grant gets a pseudonym of its own.
        v = scopedPseudonym(ctx.platform.ring, plan.handleScope, name, String(v));
        masked.push(name);
      } else if (el.mask.type !== 'none') {
        v = applyMask(el.mask, v as string | number | boolean);
        masked.push(name);
      }
    }
    data[name] = v;
  }
  return {
    ...(plan.handleScope
      ? { handle: sealHandle(ctx.platform.ring, plan.handleScope, plan.ds.id, row.record_key) }
      : {}),
    version: row.version,
    data,
    masked,
    validFrom: new Date(row.valid_from).toISOString(),
    validTo: row.valid_to === null ? null : new Date(row.valid_to).toISOString(),
  };
}

export interface RecordPage {
  items: SharedRecord[];
  next: string | null;
}

/** Reads one page of records under a plan and audits it (one entry per page, naming the people touched). */
export async function readPage(ctx: Ctx, datasetId: string, q: ReadQuery): Promise<RecordPage> {
  const plan = await planAccess(ctx, datasetId, q.purpose, q.fields);
  return readWithPlan(ctx, plan, q);
}

/** What a cursor is bound to: this caller, this dataset, this query. */
function bindingOf(ctx: Ctx, plan: AccessPlan, q: ReadQuery): Buffer {
  const p = ctx.principal;
  const caller = p.kind === 'department' ? `department:${p.departmentId}` : p.kind;
  const subject = q.subject === undefined ? null : subjectOf(ctx.platform.ring, q.subject);
  // Only ever additional data of the cursor's AEAD (its hash), never part of what the caller gets.
  const where = Object.entries(q.where ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return cursorBinding([
    caller,
    plan.ds.id,
    plan.mode,
    plan.purpose ?? null,
    plan.fields,
    subject,
    where,
    q.key ?? null,
    q.handle ?? null,
    plan.handleScope ?? null,
  ]);
}

export async function readWithPlan(ctx: Ctx, plan: AccessPlan, q: ReadQuery): Promise<RecordPage> {
  const afterKey =
    q.after !== undefined && !q.history ? openCursor(ctx.platform.ring, bindingOf(ctx, plan, q), q.after) : undefined;
  const { items, lastKey } = await readRows(ctx, plan, q, afterKey);
  const next =
    !q.history && items.length === q.limit && lastKey !== undefined
      ? sealCursor(ctx.platform.ring, bindingOf(ctx, plan, q), lastKey)
      : null;
  return { items, next };
}

/** One page after a stored key (internal: callers outside get sealed cursors), audited. */
async function readRows(
  ctx: Ctx,
  plan: AccessPlan,
  q: ReadQuery,
  afterKey: string | undefined,
): Promise<{ items: SharedRecord[]; lastKey: string | undefined; keys: string[] }> {
  const { ds } = plan;
  const where = ['dataset_id = $1'];
  const params: unknown[] = [ds.id];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (!q.history) where.push('valid_to IS NULL');
  if (q.subject !== undefined) {
    // Looking a person up tells a consumer which records are theirs: only when the grant shows the identifier in clear
    // (else a masked or ungranted identifier would be un-masked by lookups, one guess at a time).
    if (plan.mode === 'grant' && (ds.subjectField === null || !plan.clear.has(ds.subjectField)))
      await deny(
        ctx,
        ds,
        'subject_lookup_not_granted',
        `Your grant on ${ds.id} does not give ${ds.subjectField ?? 'the person identifier'} in clear, so you may not look records up by person; ask for it in clear (clearFields) with its legal basis.`,
        q.purpose,
      );
    add((p) => `subject = ${p}`, subjectOf(ctx.platform.ring, q.subject));
  }
  if (q.key !== undefined) {
    // A key holds the key fields' values: looking one up would tell a consumer whether a masked value is right.
    if (plan.mode !== 'owner')
      await deny(
        ctx,
        ds,
        'key_lookup_owner_only',
        `Only the owner (${ds.owner}) looks records of ${ds.id} up by key; use the handle you received, or subject.`,
        q.purpose,
      );
    add((p) => `record_key = ${p}`, storedKey(ctx.platform.ring, keyDomains(ds, plan.elements), q.key));
  }
  if (q.handle !== undefined) {
    const opened = openInScopes(ctx.platform.ring, plan.openScopes ?? [], ds.id, q.handle);
    // A handle of another grant or dataset simply finds nothing: no oracle.
    add((p) => `record_key = ${p}`, opened?.storedKey ?? null);
  }
  for (const [field, value] of Object.entries(q.where ?? {})) {
    const f = ds.fields.find((x) => x.name === field);
    if (!f) throw badRequest('unknown_field', `${field} is not a field of ${ds.id}.`);
    const el = plan.elements.get(f.element);
    if (q.inUrl && (el?.sensitivity ?? 4) >= 3)
      throw badRequest(
        'personal_data_in_query',
        `${field} is personal information and does not belong in a URL: filter on it with POST /api/v1/datasets/${ds.id}/records/search and { "where": { ... } } in the body.`,
      );
    if (!plan.fields.includes(field))
      await deny(ctx, ds, 'field_not_granted', `Field ${field} of ${ds.id} is not in your grant.`, q.purpose);
    if ((el?.sensitivity ?? 0) >= 4)
      throw badRequest(
        'filter_on_encrypted_field',
        `${field} is encrypted at rest; look records up by subject or handle instead.`,
      );
    // Filtering on a masked field would tell a consumer what the mask hides, one guess at a time.
    if (plan.mode === 'grant' && !plan.clear.has(field) && el?.mask.type !== 'none')
      await deny(
        ctx,
        ds,
        'filter_on_masked_field',
        `Field ${field} of ${ds.id} is granted to you masked; you may filter only on fields you see in clear.`,
        q.purpose,
      );
    params.push(field, value);
    where.push(`data->>$${params.length - 1} = $${params.length}`);
  }
  if (plan.prefixes) {
    params.push(plan.prefixes.map((p) => `${p}%`));
    where.push(`region LIKE ANY($${params.length})`);
  }
  if (afterKey !== undefined) add((p) => `record_key > ${p}`, afterKey);
  params.push(q.limit);
  const res = await ctx.db.query<Row>(
    `SELECT record_key, version, subject, data, valid_from, valid_to FROM records WHERE ${where.join(' AND ')}
     ORDER BY record_key, version LIMIT $${params.length}`,
    params,
  );
  const items = res.rows.map((r) => present(ctx, plan, r));
  const subjects = [...new Set(res.rows.map((r) => r.subject).filter((s): s is string => s !== null))];
  const by =
    q.subject !== undefined ? 'subject' : q.key !== undefined ? 'key' : q.handle !== undefined ? 'handle' : 'filter';
  await audit(ctx, {
    action: 'records.read',
    outcome: 'ok',
    dataset: ds.id,
    subjects,
    fields: plan.fields,
    ...(plan.purpose ? { purpose: plan.purpose } : {}),
    ...(plan.grants.length ? { grant: plan.grants.join(',') } : {}),
    detail: { rows: items.length, mode: plan.mode, by },
  });
  return { items, lastKey: res.rows[res.rows.length - 1]?.record_key, keys: res.rows.map((r) => r.record_key) };
}

/**
 * Every version of the record a handle names, for the history route; `storedKey` (internal, never returned to
 * the caller) finds the error reports about it. Undefined when the caller may see no such record.
 */
export async function readRecordHistory(
  ctx: Ctx,
  datasetId: string,
  handle: string,
  purpose: string | undefined,
): Promise<{ items: SharedRecord[]; storedKey: string; handle: string } | undefined> {
  const plan = await planAccess(ctx, datasetId, purpose);
  const { items, keys } = await readRows(ctx, plan, { handle, purpose, limit: 1000, history: true }, undefined);
  if (!items[0] || !keys[0]) return undefined;
  return { items, storedKey: keys[0], handle: items[0].handle! };
}

/**
 * For an error report: the current record a consumer's handle names, and the grant whose handle it is; the record
 * must be in the row scope of the consumer's live grants (as a read would have shown it). Undefined otherwise.
 */
export async function resolveGrantHandle(
  ctx: Ctx,
  consumer: string,
  ds: Dataset,
  grants: readonly ShareRequest[],
  handle: string,
): Promise<{ grant: ShareRequest; storedKey: string } | undefined> {
  const scopes = grants.map((g) => grantScope(g.id, consumer, ds.id));
  const opened = openInScopes(ctx.platform.ring, scopes, ds.id, handle);
  if (!opened) return undefined;
  const grant = grants[scopes.indexOf(opened.scope)]!;
  const prefixes = grants.some((g) => !g.scope.divisionPrefix)
    ? null
    : [...new Set(grants.map((g) => `${g.scope.divisionPrefix!}%`))];
  const res = await ctx.db.query(
    `SELECT 1 FROM records WHERE dataset_id = $1 AND record_key = $2 AND valid_to IS NULL${prefixes ? ' AND region LIKE ANY($3)' : ''}`,
    prefixes ? [ds.id, opened.storedKey, prefixes] : [ds.id, opened.storedKey],
  );
  return res.rows.length ? { grant, storedKey: opened.storedKey } : undefined;
}

/** The handle of a stored record key as one viewer gets it: the reporter through its grant, or the owner. */
export function handleFor(
  ctx: Ctx,
  datasetId: string,
  storedRecordKey: string,
  viewer: { grant: string; consumer: string } | { owner: string },
): string {
  const scope =
    'grant' in viewer ? grantScope(viewer.grant, viewer.consumer, datasetId) : ownerScope(viewer.owner, datasetId);
  return sealHandle(ctx.platform.ring, scope, datasetId, storedRecordKey);
}

/** Streams every matching record page by page (bulk reads): each page is planned once and audited. */
export async function* readAll(
  ctx: Ctx,
  datasetId: string,
  q: Omit<ReadQuery, 'limit' | 'after'>,
  pageSize = 1000,
): AsyncGenerator<SharedRecord> {
  const plan = await planAccess(ctx, datasetId, q.purpose, q.fields);
  let after: string | undefined;
  for (;;) {
    const page = await readRows(ctx, plan, { ...q, limit: pageSize }, after);
    yield* page.items;
    if (q.history || page.items.length < pageSize || page.lastKey === undefined) return;
    after = page.lastKey;
  }
}
