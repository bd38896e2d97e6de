import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, isAdmin, requireAuthenticated } from '../access/policy.js';
import { requireDataset } from '../catalog/service.js';
import type { Dataset } from '../catalog/schema.js';
import { newId } from '../core/ids.js';
import { badRequest, conflict, forbidden, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import type { ListQuery, ShareRequest, ShareRequestInput } from './schema.js';
import { loadCalendar } from './calendar/service.js';
import { addWorkingDays, type DeadlineCalendar } from './workdays.js';

const MAX_GRANT_DAYS = 366;
const DAY = 86_400_000;

interface Row {
  id: string;
  dataset_id: string;
  owner_id: string;
  consumer_id: string;
  fields: string[];
  clear_fields: string[];
  purposes: string[];
  purpose_text: string;
  legal_basis: string;
  period_start: Date | string;
  period_end: Date | string;
  scope: { divisionPrefix?: string };
  status: 'pending' | 'granted' | 'refused' | 'revoked' | 'withdrawn';
  deadline: Date | string | null;
  deadline_calendar: DeadlineCalendar | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  renews: string | null;
  created_at: Date | string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toShareRequest(r: Row, now = Date.now()): ShareRequest {
  const start = new Date(r.period_start).getTime();
  const end = new Date(r.period_end).getTime();
  const expired = r.status === 'granted' && end <= now;
  return {
    id: r.id,
    dataset: r.dataset_id,
    owner: r.owner_id,
    consumer: r.consumer_id,
    fields: r.fields,
    clearFields: r.clear_fields,
    purposes: r.purposes,
    purposeText: r.purpose_text,
    legalBasis: r.legal_basis,
    periodStart: iso(r.period_start)!,
    periodEnd: iso(r.period_end)!,
    scope: r.scope ?? {},
    status: expired ? 'expired' : r.status,
    live: r.status === 'granted' && start <= now && now < end,
    overdue: r.status === 'pending' && r.deadline !== null && new Date(r.deadline).getTime() < now,
    deadline: iso(r.deadline),
    deadlineCalendar: r.deadline === null ? null : (r.deadline_calendar ?? 'weekends-only'),
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    decisionReason: r.decision_reason,
    renews: r.renews,
    createdAt: iso(r.created_at)!,
  };
}

const actorName = (ctx: Ctx): string => {
  const p = ctx.principal;
  return p.kind === 'department'
    ? `${p.departmentId} (${p.tokenId})`
    : p.kind === 'system'
      ? `system:${p.reason}`
      : p.kind;
};

async function addEvent(
  q: Queryable,
  id: string,
  action: string,
  actor: string,
  reason: string | null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await q.query(
    `INSERT INTO share_events (request_id, seq, action, actor, reason, detail)
     VALUES ($1, (SELECT COALESCE(max(seq), 0) + 1 FROM share_events WHERE request_id = $1), $2, $3, $4, $5)`,
    [id, action, actor, reason, JSON.stringify(detail)],
  );
}

async function load(q: Queryable, id: string): Promise<Row> {
  const res = await q.query<Row>('SELECT * FROM share_requests WHERE id = $1', [id]);
  if (!res.rows[0]) throw notFound('request_not_found', `No sharing request with id ${id}.`);
  return res.rows[0];
}

function checkFields(ds: Dataset, fields: string[], clear: string[]): void {
  const names = new Set(ds.fields.map((f) => f.name));
  const unknown = fields.filter((f) => !names.has(f));
  if (unknown.length)
    throw badRequest('unknown_field', `fields: ${unknown.join(', ')} not in dataset ${ds.id}.`, { fields: unknown });
  if (new Set(fields).size !== fields.length) throw badRequest('duplicate_field', 'fields: a field is named twice.');
  const notAsked = clear.filter((f) => !fields.includes(f));
  if (notAsked.length) throw badRequest('unknown_field', `clearFields: ${notAsked.join(', ')} must also be in fields.`);
}

function checkPeriod(startIso: string | undefined, endIso: string, now: number): { start: Date; end: Date } {
  const start = startIso ? new Date(startIso) : new Date(now);
  const end = new Date(endIso);
  if (end.getTime() <= start.getTime()) throw badRequest('invalid_period', 'periodEnd must be after periodStart.');
  if (end.getTime() <= now) throw badRequest('invalid_period', 'periodEnd is in the past.');
  if (end.getTime() - start.getTime() > MAX_GRANT_DAYS * DAY) {
    throw badRequest(
      'period_too_long',
      `A grant lasts at most ${MAX_GRANT_DAYS} days (keep personal data only as long as needed); renew it when it ends.`,
    );
  }
  return { start, end };
}

/** A department asks for another department's data. The sharing class decides what happens next. */
export async function requestShare(ctx: Ctx, input: ShareRequestInput): Promise<ShareRequest> {
  const consumer = callerDepartment(ctx);
  if (consumer === undefined) throw forbidden('department_token_required', 'Sharing requests are made by departments.');
  const ds = await requireDataset(ctx.db, input.dataset);
  if (ds.owner === consumer)
    throw badRequest('own_dataset', `Your department owns ${ds.id}; its data needs no sharing request.`);
  const clear = input.clearFields ?? [];
  checkFields(ds, input.fields, clear);
  const now = Date.now();
  const { start, end } = checkPeriod(input.periodStart, input.periodEnd, now);
  const id = newId('shr');
  const actor = actorName(ctx);
  const due =
    ds.sharingClass === 'conditional'
      ? addWorkingDays(new Date(now), ctx.platform.settings.answerWorkingDays, await loadCalendar(ctx.db))
      : null;
  const row = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO share_requests (id, dataset_id, owner_id, consumer_id, fields, clear_fields, purposes, purpose_text, legal_basis,
         period_start, period_end, scope, status, deadline, deadline_calendar, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $15)`,
      [
        id,
        ds.id,
        ds.owner,
        consumer,
        JSON.stringify(input.fields),
        JSON.stringify(clear),
        JSON.stringify(input.purposes),
        input.purposeText,
        input.legalBasis,
        start,
        end,
        JSON.stringify(input.scope ?? {}),
        due?.deadline ?? null,
        due?.calendar ?? null,
        actor,
      ],
    );
    await addEvent(tx, id, 'requested', actor, null, { sharingClass: ds.sharingClass });
    if (ds.sharingClass === 'unconditional') {
      const reason = 'Unconditional sharing class: granted on request (无条件共享类，申请即授权).';
      await tx.query(
        `UPDATE share_requests SET status = 'granted', decided_by = 'policy:unconditional', decided_at = now(), decision_reason = $2, updated_at = now() WHERE id = $1`,
        [id, reason],
      );
      await addEvent(tx, id, 'granted', 'policy:unconditional', reason);
    } else if (ds.sharingClass === 'not_shared') {
      const reason = `Not shared (不予共享): ${ds.legalBasis ?? ''}`;
      await tx.query(
        `UPDATE share_requests SET status = 'refused', decided_by = 'policy:not_shared', decided_at = now(), decision_reason = $2, updated_at = now() WHERE id = $1`,
        [id, reason],
      );
      await addEvent(tx, id, 'refused', 'policy:not_shared', reason);
    }
    return load(tx, id);
  });
  const result = toShareRequest(row);
  forgetGrants(ctx.db, consumer, ds.id);
  await audit(ctx, {
    action: 'sharing.request',
    outcome: 'ok',
    dataset: ds.id,
    fields: input.fields,
    purpose: input.purposes.join(','),
    grant: id,
    detail: { status: result.status },
  });
  return result;
}

function isParticipant(ctx: Ctx, r: Row): boolean {
  const dept = callerDepartment(ctx);
  return dept === undefined || isAdmin(ctx) || dept === r.owner_id || dept === r.consumer_id;
}

export async function getRequest(ctx: Ctx, id: string): Promise<ShareRequest> {
  requireAuthenticated(ctx);
  const r = await load(ctx.db, id);
  if (!isParticipant(ctx, r)) throw notFound('request_not_found', `No sharing request with id ${id}.`);
  const events = await ctx.db.query<{
    seq: number;
    action: string;
    actor: string;
    reason: string | null;
    detail: Record<string, unknown>;
    at: Date;
  }>('SELECT seq, action, actor, reason, detail, at FROM share_events WHERE request_id = $1 ORDER BY seq', [id]);
  return { ...toShareRequest(r), events: events.rows.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
}

export async function listRequests(ctx: Ctx, q: ListQuery): Promise<ShareRequest[]> {
  requireAuthenticated(ctx);
  const dept = callerDepartment(ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (dept !== undefined && !(isAdmin(ctx) && q.role === undefined)) {
    if (q.role === 'consumer') add((p) => `consumer_id = ${p}`, dept);
    else if (q.role === 'owner') add((p) => `owner_id = ${p}`, dept);
    else add((p) => `(consumer_id = ${p} OR owner_id = ${p})`, dept);
  }
  if (q.dataset) add((p) => `dataset_id = ${p}`, q.dataset);
  if (q.status === 'expired') where.push(`status = 'granted' AND period_end <= now()`);
  else if (q.status === 'granted') where.push(`status = 'granted' AND period_end > now()`);
  else if (q.status) add((p) => `status = ${p}`, q.status);
  if (q.overdue) where.push(`status = 'pending' AND deadline < now()`);
  params.push(q.limit ?? 200);
  const res = await ctx.db.query<Row>(
    `SELECT * FROM share_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT $${params.length}`,
    params,
  );
  return res.rows.map((r) => toShareRequest(r));
}

type Transition = { from: Row['status'][]; by: 'owner' | 'consumer' };
type TransitionAction = 'granted' | 'refused' | 'revoked' | 'withdrawn' | 'renewed'; // audited as sharing.<action>

async function transition(
  ctx: Ctx,
  id: string,
  rule: Transition,
  apply: (
    tx: Queryable,
    r: Row,
  ) => Promise<{ action: TransitionAction; reason: string | null; detail?: Record<string, unknown> }>,
): Promise<ShareRequest> {
  const dept = callerDepartment(ctx);
  const r0 = await load(ctx.db, id);
  if (!isParticipant(ctx, r0)) throw notFound('request_not_found', `No sharing request with id ${id}.`);
  const party = rule.by === 'owner' ? r0.owner_id : r0.consumer_id;
  if (dept !== undefined && dept !== party) {
    throw forbidden(
      rule.by === 'owner' ? 'not_dataset_owner' : 'not_requester',
      `Only the ${rule.by === 'owner' ? 'owning department' : 'requesting department'} (${party}) may do this.`,
    );
  }
  let action: TransitionAction | undefined;
  const row = await ctx.db.transaction(async (tx) => {
    const r = (await tx.query<Row>('SELECT * FROM share_requests WHERE id = $1 FOR UPDATE', [id])).rows[0]!;
    if (!rule.from.includes(r.status))
      throw conflict('invalid_state', `The request is ${r.status}; this needs it to be ${rule.from.join(' or ')}.`);
    const out = await apply(tx, r);
    action = out.action;
    await addEvent(tx, id, out.action, actorName(ctx), out.reason, out.detail ?? {});
    return load(tx, id);
  });
  forgetGrants(ctx.db, row.consumer_id, row.dataset_id);
  await audit(ctx, {
    action: `sharing.${action!}`,
    outcome: 'ok',
    dataset: row.dataset_id,
    grant: id,
    ...(row.decision_reason ? { reason: row.decision_reason } : {}),
  });
  return toShareRequest(row);
}

export function approveRequest(
  ctx: Ctx,
  id: string,
  d: { reason?: string | undefined; clearFields?: string[] | undefined; periodEnd?: string | undefined },
): Promise<ShareRequest> {
  return transition(ctx, id, { from: ['pending'], by: 'owner' }, async (tx, r) => {
    const clear = d.clearFields ?? r.clear_fields;
    const wider = clear.filter((f) => !r.clear_fields.includes(f));
    if (wider.length)
      throw badRequest('clear_fields_not_requested', `clearFields: ${wider.join(', ')} were not asked for in clear.`);
    let end = new Date(r.period_end);
    if (d.periodEnd) {
      const asked = new Date(d.periodEnd);
      if (asked.getTime() > end.getTime())
        throw badRequest('invalid_period', 'periodEnd: an approval may shorten the period, not lengthen it.');
      if (asked.getTime() <= Date.now()) throw badRequest('invalid_period', 'periodEnd is in the past.');
      end = asked;
    }
    await tx.query(
      `UPDATE share_requests SET status = 'granted', clear_fields = $2, period_end = $3, decided_by = $4, decided_at = now(), decision_reason = $5, updated_at = now() WHERE id = $1`,
      [r.id, JSON.stringify(clear), end, actorName(ctx), d.reason ?? null],
    );
    return {
      action: 'granted',
      reason: d.reason ?? null,
      detail: { clearFields: clear, periodEnd: end.toISOString() },
    };
  });
}

export function refuseRequest(ctx: Ctx, id: string, reason: string): Promise<ShareRequest> {
  return transition(ctx, id, { from: ['pending'], by: 'owner' }, async (tx, r) => {
    await tx.query(
      `UPDATE share_requests SET status = 'refused', decided_by = $2, decided_at = now(), decision_reason = $3, updated_at = now() WHERE id = $1`,
      [r.id, actorName(ctx), reason],
    );
    return { action: 'refused', reason };
  });
}

export function revokeGrant(ctx: Ctx, id: string, reason: string): Promise<ShareRequest> {
  return transition(ctx, id, { from: ['granted'], by: 'owner' }, async (tx, r) => {
    await tx.query(
      `UPDATE share_requests SET status = 'revoked', decision_reason = $2, updated_at = now() WHERE id = $1`,
      [r.id, reason],
    );
    // A renewal still waiting for the owner falls with the grant it renews.
    const renewals = await tx.query<{ id: string }>(
      `UPDATE share_requests SET status = 'refused', decided_by = $2, decided_at = now(), decision_reason = $3, updated_at = now()
       WHERE renews = $1 AND status = 'pending' RETURNING id`,
      [r.id, actorName(ctx), `The grant it renews (${r.id}) was revoked: ${reason}`],
    );
    for (const x of renewals.rows)
      await addEvent(tx, x.id, 'refused', actorName(ctx), `The grant it renews (${r.id}) was revoked: ${reason}`);
    return { action: 'revoked', reason };
  });
}

export function withdrawRequest(ctx: Ctx, id: string, reason: string | undefined): Promise<ShareRequest> {
  return transition(ctx, id, { from: ['pending'], by: 'consumer' }, async (tx, r) => {
    await tx.query(`UPDATE share_requests SET status = 'withdrawn', updated_at = now() WHERE id = $1`, [r.id]);
    return { action: 'withdrawn', reason: reason ?? null };
  });
}

/**
 * The consumer renews a grant (live or expired). Unconditional data is extended at once; conditional data needs the
 * owner's approval again, so a new pending request is made that renews the old one.
 */
export async function renewGrant(ctx: Ctx, id: string, periodEnd: string, reason?: string): Promise<ShareRequest> {
  const r = await load(ctx.db, id);
  const ds = await requireDataset(ctx.db, r.dataset_id);
  if (ds.sharingClass === 'unconditional') {
    return transition(ctx, id, { from: ['granted'], by: 'consumer' }, async (tx, row) => {
      const { end } = checkPeriod(
        new Date(Math.max(Date.now(), new Date(row.period_start).getTime())).toISOString(),
        periodEnd,
        Date.now(),
      );
      await tx.query(`UPDATE share_requests SET period_end = $2, updated_at = now() WHERE id = $1`, [row.id, end]);
      return { action: 'renewed', reason: reason ?? null, detail: { periodEnd: end.toISOString() } };
    });
  }
  if (callerDepartment(ctx) !== undefined && callerDepartment(ctx) !== r.consumer_id)
    throw forbidden('not_requester', `Only the requesting department (${r.consumer_id}) may renew.`);
  if (r.status !== 'granted')
    throw conflict('invalid_state', `The request is ${r.status}; only a grant can be renewed.`);
  const renewal = await requestShare(ctx, {
    dataset: r.dataset_id,
    fields: r.fields,
    clearFields: r.clear_fields,
    purposes: r.purposes as ShareRequestInput['purposes'],
    purposeText: r.purpose_text,
    legalBasis: r.legal_basis,
    periodEnd,
    scope: r.scope,
    periodStart: new Date(Math.max(Date.now(), new Date(r.period_end).getTime() - 1)).toISOString(),
  });
  await ctx.db.query('UPDATE share_requests SET renews = $2 WHERE id = $1', [renewal.id, r.id]);
  await addEvent(ctx.db, r.id, 'renewal_requested', actorName(ctx), reason ?? null, { renewal: renewal.id });
  return { ...renewal, renews: r.id };
}

// Every read checks the caller's grants. They are cached per database for GRANT_CACHE_MS: a change made in this
// process (grant, revocation, renewal) drops the entry at once; another process's revocation takes effect within
// GRANT_CACHE_MS. Expiry needs no cache drop: each use checks the period against the clock.
const GRANT_CACHE_MS = 1000;
const grantCache = new WeakMap<Queryable, Map<string, { at: number; rows: Row[] }>>();

function forgetGrants(q: Queryable, consumer: string, datasetId: string): void {
  grantCache.get(q)?.delete(`${consumer}\u0000${datasetId}`);
}

/** The live grants a consumer holds on a dataset (used by access/read.ts). */
export async function liveGrants(q: Queryable, consumer: string, datasetId: string): Promise<ShareRequest[]> {
  let m = grantCache.get(q);
  if (!m) grantCache.set(q, (m = new Map()));
  const key = `${consumer}\u0000${datasetId}`;
  let hit = m.get(key);
  if (!hit || Date.now() - hit.at >= GRANT_CACHE_MS) {
    const res = await q.query<Row>(
      `SELECT * FROM share_requests WHERE consumer_id = $1 AND dataset_id = $2 AND status = 'granted' AND period_end > now()`,
      [consumer, datasetId],
    );
    hit = { at: Date.now(), rows: res.rows };
    m.set(key, hit);
  }
  const now = Date.now();
  return hit.rows.map((r) => toShareRequest(r, now)).filter((g) => g.live);
}

/** Why there is no live grant, for a refusal that says why. */
export async function grantHistory(q: Queryable, consumer: string, datasetId: string): Promise<ShareRequest[]> {
  const res = await q.query<Row>(
    'SELECT * FROM share_requests WHERE consumer_id = $1 AND dataset_id = $2 ORDER BY created_at DESC LIMIT 20',
    [consumer, datasetId],
  );
  return res.rows.map((r) => toShareRequest(r));
}
