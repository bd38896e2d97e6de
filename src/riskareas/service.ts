// Risk areas (high, medium, low) declared by the emergency command, and their end: by hand, or by rule once no new
// case has been found for 7 days (9th edition protocol, 2022). A county is back to routine when no high- or
// medium-risk area remains in force within it.
//
// Who may do what is decided here: reading is public (risk areas are published), every change needs a
// data-center administrator (the emergency command) and is audited. Every change sets `updated_at = now()`: the
// health-code recompute worker follows it (areasChangedSince) to recompute the people who visited the places.
//
// The 7-day rule takes effect at its time whether or not the sweeper has written it yet: an area not lifted by
// hand ends at (last case, else start) + 7 days. Reads, the queries below and every change agree on that, and
// the sweeper (liftByRule) only records it (ends_at = that time, lifted_by 'rule').
import { randomBytes } from 'node:crypto';
import { audit, makeCtx, type Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { systemPrincipal } from '../access/principal.js';
import type { LocalizedText } from '../core/i18n.js';
import { badRequest, conflict, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { GUANGDONG, PROVINCES, divisionByCode, validateDivisionCode } from '../standard/index.js';
import type {
  AreaPatch,
  CaseInput,
  DeclareInput,
  DivisionStatus,
  LiftInput,
  ListQuery,
  RiskArea,
  RiskLevel,
} from './schema.js';

/** Days without a new case after which the rule lifts an area. */
export const RULE_DAYS = 7;
const RULE_MS = RULE_DAYS * 24 * 3600 * 1000;
/** What a lift by rule records as its reason. */
export const RULE_LIFT_REASON = '连续7天无新增病例 / no new case for 7 days';
/** A case reported a little ahead of this node's clock is accepted (clock skew); further ahead it is refused. */
const FUTURE_SKEW_MS = 60_000;

// SQL for the rule, in absolute hours (a '7 days' interval would follow the session's daylight-saving rules).
const RULE_END = `(COALESCE(last_case_at, starts_at) + interval '${RULE_DAYS * 24} hours')`;
/** When an area ends: lifted by hand or recorded by the sweeper, else when the rule will (or did) lift it. */
const END = `COALESCE(ends_at, ${RULE_END})`;
const inForceAt = (p: string): string => `(starts_at <= ${p}::timestamptz AND ${END} > ${p}::timestamptz)`;

interface Row {
  id: string;
  division: string;
  name: LocalizedText;
  level: RiskLevel;
  places: string[];
  starts_at: Date | string;
  last_case_at: Date | string | null;
  ends_at: Date | string | null;
  lifted_by: 'rule' | 'manual' | null;
  lift_reason: string | null;
  declared_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

/** The area's end as known at `now`, and when the rule lifts it while it lasts. */
function ending(r: Row, now: Date): { end: Date | null; byRule: boolean; ruleEnd: Date; effectiveEnd: Date } {
  const ruleEnd = new Date(new Date(r.last_case_at ?? r.starts_at).getTime() + RULE_MS);
  if (r.ends_at !== null) {
    const end = new Date(r.ends_at);
    return { end, byRule: r.lifted_by === 'rule', ruleEnd, effectiveEnd: end };
  }
  const due = ruleEnd.getTime() <= now.getTime();
  return { end: due ? ruleEnd : null, byRule: due, ruleEnd, effectiveEnd: ruleEnd };
}

/** An area as callers see it: its end as known now, and whether it is in force at `at`. */
function view(r: Row, at: Date, now: Date): RiskArea {
  const e = ending(r, now);
  const starts = new Date(r.starts_at);
  return {
    id: r.id,
    division: r.division,
    name: r.name,
    level: r.level,
    places: r.places,
    startsAt: starts.toISOString(),
    lastCaseAt: r.last_case_at === null ? null : iso(r.last_case_at),
    endsAt: e.end === null ? null : e.end.toISOString(),
    liftedBy: r.lifted_by ?? (e.byRule ? 'rule' : null),
    liftReason: r.lift_reason ?? (e.byRule ? RULE_LIFT_REASON : null),
    declaredBy: r.declared_by,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    inForce: starts.getTime() <= at.getTime() && at.getTime() < e.effectiveEnd.getTime(),
    liftsByRuleAt: e.end === null ? e.ruleEnd.toISOString() : null,
  };
}

const newAreaId = (): string => `RA-${randomBytes(6).toString('hex').toUpperCase()}`;

const actorName = (ctx: Ctx): string => {
  const p = ctx.principal;
  return p.kind === 'department' ? p.departmentId : p.kind === 'system' ? `system:${p.reason}` : p.kind;
};

/** Places without surrounding blanks, each once, in the order given. */
const normalisePlaces = (places: readonly string[]): string[] => [...new Set(places.map((p) => p.trim()))];

// Cities of the shipped division list that have counties or districts under them.
const CITIES_WITH_COUNTIES: ReadonlySet<string> = new Set(
  GUANGDONG.filter((d) => d.level === 'district').map((d) => d.parent ?? ''),
);

/** A risk area lies in one county or district: a current GB/T 2260 code of that level. */
function checkAreaDivision(code: string): void {
  const issue = validateDivisionCode(code);
  if (issue)
    throw badRequest('invalid_division', `division: ${issue.message.en}`, { field: 'division', reason: issue.code });
  if (code.endsWith('0000')) {
    throw badRequest(
      'invalid_division',
      'division: a risk area lies in a county or district; give its code, not the province’s',
      { field: 'division', reason: 'level' },
    );
  }
  if (CITIES_WITH_COUNTIES.has(code)) {
    throw badRequest(
      'invalid_division',
      'division: a risk area lies in a county or district; give its code, not the city’s',
      { field: 'division', reason: 'level' },
    );
  }
}

function checkDivision(code: string): void {
  const issue = validateDivisionCode(code);
  if (issue)
    throw badRequest('invalid_division', `division: ${issue.message.en}`, { field: 'division', reason: issue.code });
}

/** `division LIKE` pattern for everything within a code: a province's or city's codes by prefix, a county's own. */
function within(code: string): string {
  if (code.endsWith('0000')) return `${code.slice(0, 2)}%`;
  if (code.endsWith('00')) return `${code.slice(0, 4)}%`;
  return code;
}

function divisionName(code: string): LocalizedText | null {
  const d = divisionByCode(code);
  if (d) return d.name;
  return code.endsWith('0000') ? (PROVINCES[code.slice(0, 2)] ?? null) : null;
}

function parseTime(value: string | undefined, field: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw badRequest('invalid_time', `${field}: not a valid date-time`, { field });
  return d;
}

async function findRow(q: Queryable, id: string): Promise<Row | undefined> {
  const res = await q.query<Row>('SELECT * FROM risk_areas WHERE id = $1', [id]);
  return res.rows[0];
}

/** The area, locked for a change within `tx`; 404 when unknown, 409 when it has ended. */
async function lockOpen(tx: Queryable, id: string, now: Date): Promise<Row> {
  const res = await tx.query<Row>('SELECT * FROM risk_areas WHERE id = $1 FOR UPDATE', [id]);
  const row = res.rows[0];
  if (!row) throw notFound('risk_area_not_found', `No risk area ${id}.`);
  const e = ending(row, now);
  if (e.end !== null) {
    const how = e.byRule ? `by the ${RULE_DAYS}-day rule (no new case)` : 'by hand';
    throw conflict(
      'risk_area_lifted',
      `Risk area ${id} was lifted ${how} at ${e.end.toISOString()}; declare a new area instead.`,
    );
  }
  return row;
}

// ---------------------------------------------------------------------------------------------------------------
// Changes (data-center administrator: the emergency command)
// ---------------------------------------------------------------------------------------------------------------

/** Declares a risk area; it is in force from `startsAt` (default now) until lifted by hand or by rule. */
export async function declareArea(ctx: Ctx, input: DeclareInput): Promise<RiskArea> {
  requireAdmin(ctx);
  checkAreaDivision(input.division);
  const now = new Date();
  const startsAt = parseTime(input.startsAt, 'startsAt', now);
  if (startsAt.getTime() + RULE_MS <= now.getTime()) {
    throw badRequest(
      'area_already_lifted',
      `startsAt: an area that started ${RULE_DAYS} or more days ago without a case since would already be lifted by the ${RULE_DAYS}-day rule.`,
      { field: 'startsAt' },
    );
  }
  const places = normalisePlaces(input.places);
  const name = { 'zh-CN': input.name['zh-CN'].trim(), en: input.name.en.trim() };
  const res = await ctx.db.query<Row>(
    `INSERT INTO risk_areas (id, division, name, level, places, starts_at, declared_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::text[], $6::timestamptz, $7, now(), now()) RETURNING *`,
    [newAreaId(), input.division, JSON.stringify(name), input.level, places, startsAt.toISOString(), actorName(ctx)],
  );
  const area = view(res.rows[0]!, now, now);
  await audit(ctx, {
    action: 'riskarea.declare',
    outcome: 'ok',
    detail: {
      area: area.id,
      division: area.division,
      level: area.level,
      places: places.length,
      startsAt: area.startsAt,
    },
  });
  return area;
}

/** Records a new case found in the area (at `at`, default now): the 7-day clock starts again from it. */
export async function recordCase(ctx: Ctx, id: string, input: CaseInput = {}): Promise<RiskArea> {
  requireAdmin(ctx);
  const now = new Date();
  const at = parseTime(input.at, 'at', now);
  if (at.getTime() > now.getTime() + FUTURE_SKEW_MS)
    throw badRequest('case_in_future', `at: ${at.toISOString()} is in the future.`, { field: 'at' });
  const row = await ctx.db.transaction(async (tx) => {
    const current = await lockOpen(tx, id, now);
    if (at.getTime() < new Date(current.starts_at).getTime()) {
      throw badRequest(
        'case_before_start',
        `at: ${at.toISOString()} is before the area came into force (${iso(current.starts_at)}); a case found earlier belongs in the declaration (startsAt).`,
        { field: 'at' },
      );
    }
    const res = await tx.query<Row>(
      'UPDATE risk_areas SET last_case_at = GREATEST(last_case_at, $2::timestamptz), updated_at = now() WHERE id = $1 RETURNING *',
      [id, at.toISOString()],
    );
    return res.rows[0]!;
  });
  const area = view(row, now, now);
  await audit(ctx, {
    action: 'riskarea.case',
    outcome: 'ok',
    detail: { area: id, at: at.toISOString(), lastCaseAt: area.lastCaseAt, liftsByRuleAt: area.liftsByRuleAt },
  });
  return area;
}

/** Changes an area's level and/or places while it lasts. A change that changes nothing writes nothing. */
export async function changeArea(ctx: Ctx, id: string, patch: AreaPatch): Promise<RiskArea> {
  requireAdmin(ctx);
  if (patch.level === undefined && patch.places === undefined)
    throw badRequest('empty_patch', 'Give level, places or both.');
  const now = new Date();
  const places = patch.places === undefined ? undefined : normalisePlaces(patch.places);
  const result = await ctx.db.transaction(async (tx) => {
    const current = await lockOpen(tx, id, now);
    const level = patch.level ?? current.level;
    const nextPlaces = places ?? current.places;
    const same =
      level === current.level &&
      nextPlaces.length === current.places.length &&
      nextPlaces.every((p, i) => p === current.places[i]);
    if (same) return { row: current, before: current, changed: false };
    const res = await tx.query<Row>(
      'UPDATE risk_areas SET level = $2, places = $3::text[], updated_at = now() WHERE id = $1 RETURNING *',
      [id, level, nextPlaces],
    );
    return { row: res.rows[0]!, before: current, changed: true };
  });
  if (result.changed) {
    const { before, row } = result;
    const levelChanged = before.level !== row.level;
    await audit(ctx, {
      action: levelChanged ? 'riskarea.level' : 'riskarea.places',
      outcome: 'ok',
      detail: {
        area: id,
        ...(levelChanged ? { from: before.level, to: row.level } : { level: row.level }),
        ...(places !== undefined ? { places: row.places.length, previousPlaces: before.places.length } : {}),
      },
    });
  }
  return view(result.row, now, now);
}

/** Lifts an area by hand now (or at its start, when it has not started yet). An area already lifted: 409. */
export async function liftArea(ctx: Ctx, id: string, input: LiftInput): Promise<RiskArea> {
  requireAdmin(ctx);
  const now = new Date();
  const reason = input.reason.trim();
  const row = await ctx.db.transaction(async (tx) => {
    await lockOpen(tx, id, now);
    const res = await tx.query<Row>(
      `UPDATE risk_areas SET ends_at = GREATEST(starts_at, $2::timestamptz), lifted_by = 'manual', lift_reason = $3, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, now.toISOString(), reason],
    );
    return res.rows[0]!;
  });
  const area = view(row, now, now);
  await audit(ctx, {
    action: 'riskarea.lift',
    outcome: 'ok',
    reason,
    detail: { area: id, by: 'manual', endsAt: area.endsAt, level: area.level },
  });
  return area;
}

/** Records every lift the 7-day rule made by `now`; audited per area as `ctx`. */
async function liftDue(ctx: Ctx, now: Date): Promise<string[]> {
  const res = await ctx.db.query<Row>(
    `UPDATE risk_areas SET ends_at = ${RULE_END}, lifted_by = 'rule', lift_reason = $2, updated_at = now()
     WHERE ends_at IS NULL AND ${RULE_END} <= $1::timestamptz
     RETURNING *`,
    [now.toISOString(), RULE_LIFT_REASON],
  );
  const rows = [...res.rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of rows) {
    await audit(ctx, {
      action: 'riskarea.lift',
      outcome: 'ok',
      reason: RULE_LIFT_REASON,
      detail: {
        area: r.id,
        by: 'rule',
        endsAt: iso(r.ends_at!),
        lastCaseAt: r.last_case_at === null ? null : iso(r.last_case_at),
        level: r.level,
      },
    });
  }
  return rows.map((r) => r.id);
}

/**
 * Lifts, by rule, every area not yet lifted whose last case (else its start) is 7 days or more before `now`:
 * ends_at = that time + 7 days (not `now`), lifted_by 'rule'. Returns the ids lifted; each is audited as the node.
 * Safe to run from several processes at once: an area is lifted (and audited) once.
 */
export function liftByRule(platform: Platform, now: Date = new Date()): Promise<string[]> {
  return liftDue(makeCtx(platform, systemPrincipal('riskarea.rule')), now);
}

/** The administrator's "apply the 7-day rule now". */
export async function sweepNow(ctx: Ctx): Promise<string[]> {
  requireAdmin(ctx);
  return liftDue(ctx, new Date());
}

// ---------------------------------------------------------------------------------------------------------------
// Reading (public)
// ---------------------------------------------------------------------------------------------------------------

export async function getArea(ctx: Ctx, id: string, at?: string): Promise<RiskArea> {
  const now = new Date();
  const row = await findRow(ctx.db, id);
  if (!row) throw notFound('risk_area_not_found', `No risk area ${id}.`);
  return view(row, parseTime(at, 'at', now), now);
}

/** Areas, newest start first; optionally only those (not) in force at `at`, and only within a division. */
export async function listAreas(ctx: Ctx, query: ListQuery = {}): Promise<{ total: number; items: RiskArea[] }> {
  const now = new Date();
  const at = parseTime(query.at, 'at', now);
  if (query.division !== undefined) checkDivision(query.division);
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.inForce !== undefined) {
    params.push(at.toISOString());
    where.push(query.inForce ? inForceAt(`$${params.length}`) : `NOT ${inForceAt(`$${params.length}`)}`);
  }
  if (query.division !== undefined) {
    params.push(within(query.division));
    where.push(`division LIKE $${params.length}`);
  }
  const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const limit = query.limit ?? 200;
  const offset = query.offset ?? 0;
  const total = await ctx.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM risk_areas ${cond}`, params);
  const res = await ctx.db.query<Row>(
    `SELECT * FROM risk_areas ${cond} ORDER BY starts_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, limit, offset],
  );
  return { total: Number(total.rows[0]?.n ?? 0), items: res.rows.map((r) => view(r, at, now)) };
}

/**
 * Whether a division is back to routine at `at` (default now): no high- or medium-risk area in force within it.
 * A county's own areas count; a city's or province's code covers every area under it.
 */
export async function divisionStatus(ctx: Ctx, division: string, at?: string): Promise<DivisionStatus> {
  checkDivision(division);
  const now = new Date();
  const when = parseTime(at, 'at', now);
  const res = await ctx.db.query<Row>(
    `SELECT * FROM risk_areas WHERE division LIKE $2 AND ${inForceAt('$1')} ORDER BY starts_at DESC, id`,
    [when.toISOString(), within(division)],
  );
  const areas = res.rows.map((r) => view(r, when, now));
  const count = (level: RiskLevel): number => areas.filter((a) => a.level === level).length;
  const high = count('high');
  const medium = count('medium');
  return {
    division,
    name: divisionName(division),
    at: when.toISOString(),
    routine: high === 0 && medium === 0,
    high,
    medium,
    low: count('low'),
    areas,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// For the health-code recompute worker and the facts loader (no policy: the node's own background work)
// ---------------------------------------------------------------------------------------------------------------

/** An area as the health-code computation needs it. `endsAt` is null while the area lasts. */
export interface AreaWindow {
  id: string;
  division: string;
  level: RiskLevel;
  places: string[];
  startsAt: string;
  /** When the area ended (by hand, or by the 7-day rule once its time has passed); null while it lasts. */
  endsAt: string | null;
  /** While it lasts: when the 7-day rule lifts it unless a new case is recorded. */
  liftsByRuleAt: string | null;
}

type WindowRow = Row & { updated_text: string };

function windowOf(r: Row, now: Date): AreaWindow {
  const e = ending(r, now);
  return {
    id: r.id,
    division: r.division,
    level: r.level,
    places: r.places,
    startsAt: iso(r.starts_at),
    endsAt: e.end === null ? null : e.end.toISOString(),
    liftsByRuleAt: e.end === null ? e.ruleEnd.toISOString() : null,
  };
}

/**
 * Areas changed (declared, case recorded, level or places changed, lifted) after `sinceIso`, oldest change
 * first. `updatedAt` carries the database's full (microsecond) precision: pass the last one back as `sinceIso`.
 */
export async function areasChangedSince(
  q: Queryable,
  sinceIso: string,
): Promise<Array<AreaWindow & { updatedAt: string }>> {
  const now = new Date();
  const res = await q.query<WindowRow>(
    `SELECT *, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_text
     FROM risk_areas WHERE updated_at > $1::timestamptz ORDER BY updated_at, id`,
    [sinceIso],
  );
  return res.rows.map((r) => ({ ...windowOf(r, now), updatedAt: r.updated_text }));
}

/** Areas in force at any time in [from, to): a scan or an arrival at one of their places then is a visit. */
export async function areasOverlapping(q: Queryable, from: Date | string, to: Date | string): Promise<AreaWindow[]> {
  const now = new Date();
  const res = await q.query<Row>(
    `SELECT * FROM risk_areas WHERE starts_at < $2::timestamptz AND ${END} > $1::timestamptz ORDER BY starts_at, id`,
    [new Date(from).toISOString(), new Date(to).toISOString()],
  );
  return res.rows.map((r) => windowOf(r, now));
}
