// Controlled access: every read of records goes through here. One place decides which fields, rows and period a
// caller may see, for which purpose; decrypts, masks, and writes the audit entry, for reads and for refusals.
import { cachedDataset } from '../catalog/service.js';
import type { Dataset } from '../catalog/schema.js';
import { badRequest, forbidden } from '../core/problem.js';
import { openRecord, SEALED } from '../records/sealed.js';
import { keyDomains, storedKey, subjectOf } from '../records/keys.js';
import { grantHistory, liveGrants } from '../sharing/service.js';
import { PURPOSES } from '../sharing/purposes.js';
import { applyMask, type DataElement } from '../standard/index.js';
import { loadElementMap } from '../standard/registry.js';
import { audit, type Ctx } from './context.js';
import { requireAuthenticated } from './policy.js';

export interface ReadQuery {
  purpose?: string | undefined;
  subject?: string | undefined; // a citizen ID number (or its blind index)
  key?: string | undefined;
  where?: Record<string, string> | undefined; // equality on non-encrypted fields
  fields?: string[] | undefined; // narrow the fields returned
  limit: number;
  after?: string | undefined;
  history?: boolean | undefined; // every version of one key
}

export interface SharedRecord {
  key: string;
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
    return { ds, mode: 'owner', fields, clear: new Set(fields), prefixes: null, grants: [], purpose, elements };
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
  const covering = live.filter((g) => g.purposes.includes(purpose));
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
  return { ds, mode: 'grant', fields, clear, prefixes, grants: covering.map((g) => g.id), purpose, elements };
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
      if (el.mask.type !== 'none') {
        v = applyMask(el.mask, v as string | number | boolean);
        masked.push(name);
      }
    }
    data[name] = v;
  }
  return {
    key: row.record_key,
    version: row.version,
    data,
    masked,
    validFrom: new Date(row.valid_from).toISOString(),
    validTo: row.valid_to === null ? null : new Date(row.valid_to).toISOString(),
  };
}

/** Reads one page of records under a plan and audits it (one entry per page, naming the people touched). */
export async function readPage(
  ctx: Ctx,
  datasetId: string,
  q: ReadQuery,
): Promise<{ items: SharedRecord[]; next: string | null }> {
  const plan = await planAccess(ctx, datasetId, q.purpose, q.fields);
  return readWithPlan(ctx, plan, q);
}

export async function readWithPlan(
  ctx: Ctx,
  plan: AccessPlan,
  q: ReadQuery,
): Promise<{ items: SharedRecord[]; next: string | null }> {
  const { ds } = plan;
  const where = ['dataset_id = $1'];
  const params: unknown[] = [ds.id];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (!q.history) where.push('valid_to IS NULL');
  if (q.subject !== undefined)
    add(
      (p) => `subject = ${p}`,
      /^[A-Za-z0-9_-]{32}$/.test(q.subject) ? q.subject : subjectOf(ctx.platform.ring, q.subject),
    );
  if (q.key !== undefined)
    add((p) => `record_key = ${p}`, storedKey(ctx.platform.ring, keyDomains(ds, plan.elements), q.key));
  for (const [field, value] of Object.entries(q.where ?? {})) {
    const f = ds.fields.find((x) => x.name === field);
    if (!f) throw badRequest('unknown_field', `${field} is not a field of ${ds.id}.`);
    if (!plan.fields.includes(field))
      await deny(ctx, ds, 'field_not_granted', `Field ${field} of ${ds.id} is not in your grant.`, q.purpose);
    if ((plan.elements.get(f.element)?.sensitivity ?? 0) >= 4)
      throw badRequest(
        'filter_on_encrypted_field',
        `${field} is encrypted at rest; look records up by subject or key instead.`,
      );
    params.push(field, value);
    where.push(`data->>$${params.length - 1} = $${params.length}`);
  }
  if (plan.prefixes) {
    params.push(plan.prefixes.map((p) => `${p}%`));
    where.push(`region LIKE ANY($${params.length})`);
  }
  if (q.after !== undefined && !q.history) add((p) => `record_key > ${p}`, q.after);
  params.push(q.limit);
  const res = await ctx.db.query<Row>(
    `SELECT record_key, version, subject, data, valid_from, valid_to FROM records WHERE ${where.join(' AND ')}
     ORDER BY record_key, version LIMIT $${params.length}`,
    params,
  );
  const items = res.rows.map((r) => present(ctx, plan, r));
  const subjects = [...new Set(res.rows.map((r) => r.subject).filter((s): s is string => s !== null))];
  await audit(ctx, {
    action: 'records.read',
    outcome: 'ok',
    dataset: ds.id,
    subjects,
    fields: plan.fields,
    ...(plan.purpose ? { purpose: plan.purpose } : {}),
    ...(plan.grants.length ? { grant: plan.grants.join(',') } : {}),
    detail: {
      rows: items.length,
      mode: plan.mode,
      ...(q.subject !== undefined ? { by: 'subject' } : q.key !== undefined ? { by: 'key' } : { by: 'filter' }),
    },
  });
  return { items, next: !q.history && items.length === q.limit ? items[items.length - 1]!.key : null };
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
    const page = await readWithPlan(ctx, plan, { ...q, limit: pageSize, after });
    yield* page.items;
    if (!page.next) return;
    after = page.next;
  }
}
