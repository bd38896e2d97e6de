// Appeals: a person disputes their health-code status; the department that answers for the data behind it (or the
// data center) decides. An accepted appeal overrides the colour until its expiry: the status engine applies the
// latest accepted, unexpired override itself (status/store.ts overrides), so after a decision the person is
// recomputed at once.
//
// Decisions made here (see also docs in routes.ts):
// - Only a non-green status can be appealed: disputing green makes no sense (409 nothing_to_appeal). The
//   effective colour counts, so a person already green by an accepted override has nothing to appeal either.
// - One open appeal per person at a time (409 appeal_open); filings of one person are serialised by an advisory lock.
// - The responsible department is the owner of the dataset named by the first evidence of the first reason that
//   has evidence (reasons come most severe first); without evidence, or when that dataset is gone, the data-center
//   administrator department (role admin, the first by id).
// - What is recorded at filing: the effective colour, and the rule set, version, computed colour and reasons
//   (with their evidence: dataset and record key, never an ID number) as they were.
// - Accepting needs an override colour (default green) and an expiry in the future, at most 30 days ahead;
//   colour and expiry are refused on a rejection.
// - Every filing, listing, reading and decision (refusals too) is audited with the person's subject, so it shows
//   in the person's own access log. The person's free-text reason is not written into the (permanent) ledger.
import { audit, type Ctx } from '../../access/context.js';
import { callerDepartment, isAdmin, requireAuthenticated, requirePerson } from '../../access/policy.js';
import { newId } from '../../core/ids.js';
import { badRequest, conflict, forbidden, notFound, Problem, unprocessable } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import type { Colour } from '../rules/index.js';
import { currentStatus, enqueueRecompute, recomputeSubjects, type StatusReason } from '../status/service.js';

export type AppealStatus = 'open' | 'accepted' | 'rejected';

/** The status as it stood when the appeal was filed. */
export interface RulesAtFiling {
  ruleSet: string;
  ruleVersion: string;
  computedColour: Colour;
  reasons: StatusReason[];
}

export interface Appeal {
  id: string;
  /** The person's pseudonymous subject id (a blind index of the ID number, never the number). */
  subject: string;
  status: AppealStatus;
  reason: string;
  colourAtFiling: Colour;
  rulesAtFiling: RulesAtFiling;
  /** The department that answers for the appeal. */
  responsible: string;
  decidedBy: string | null;
  decisionReason: string | null;
  overrideColour: Colour | null;
  overrideUntil: string | null;
  /** An accepted appeal whose override is still running. */
  overrideActive: boolean;
  createdAt: string;
  decidedAt: string | null;
}

export interface DecisionInput {
  decision: 'accept' | 'reject';
  reason: string;
  colour?: Colour | undefined;
  expiresAt?: string | undefined;
}

export interface AppealQuery {
  status?: AppealStatus | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** The longest an override may last. */
export const MAX_OVERRIDE_DAYS = 30;
const DAY_MS = 86_400_000;

interface Row {
  id: string;
  subject: string;
  status: AppealStatus;
  reason: string;
  colour_at_filing: Colour;
  rules_at_filing: RulesAtFiling;
  responsible: string;
  decided_by: string | null;
  decision_reason: string | null;
  override_colour: Colour | null;
  override_until: Date | string | null;
  created_at: Date | string;
  decided_at: Date | string | null;
}

const iso = (d: Date | string): string => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

function toAppeal(r: Row, now = Date.now()): Appeal {
  return {
    id: r.id,
    subject: r.subject,
    status: r.status,
    reason: r.reason,
    colourAtFiling: r.colour_at_filing,
    rulesAtFiling: r.rules_at_filing,
    responsible: r.responsible,
    decidedBy: r.decided_by,
    decisionReason: r.decision_reason,
    overrideColour: r.override_colour,
    overrideUntil: isoOrNull(r.override_until),
    overrideActive: r.status === 'accepted' && r.override_until !== null && new Date(r.override_until).getTime() > now,
    createdAt: iso(r.created_at),
    decidedAt: isoOrNull(r.decided_at),
  };
}

function cleanReason(reason: string, field = 'reason'): string {
  const text = reason.trim();
  if (text === '')
    throw badRequest('reason_required', `${field}: give the reason in words (1 to 2000 characters).`, { field });
  if (text.length > 2000) throw badRequest('reason_too_long', `${field}: at most 2000 characters.`, { field });
  return text;
}

/** The department that answers for a status: the owner of the data behind its first evidence, else the data center. */
export async function responsibleFor(q: Queryable, reasons: readonly StatusReason[]): Promise<string> {
  const evidence = reasons.find((r) => r.evidence.length > 0)?.evidence[0];
  if (evidence) {
    const owner = await q.query<{ owner_id: string }>('SELECT owner_id FROM datasets WHERE id = $1', [
      evidence.dataset,
    ]);
    if (owner.rows[0]) return owner.rows[0].owner_id;
  }
  const admin = await q.query<{ id: string }>("SELECT id FROM departments WHERE role = 'admin' ORDER BY id LIMIT 1");
  if (admin.rows[0]) return admin.rows[0].id;
  throw new Problem({
    status: 409,
    code: 'no_responsible_department',
    title: 'Conflict',
    detail: 'No department can answer this appeal: the node has no data-center administrator department.',
  });
}

/** A person files an appeal against their current status. */
export async function fileAppeal(ctx: Ctx, input: { reason: string }): Promise<Appeal> {
  const me = requirePerson(ctx);
  const reason = cleanReason(input.reason);
  const status = await currentStatus(ctx.platform, me.subject);
  if (status.colour === 'green') {
    await audit(ctx, {
      action: 'appeals.file',
      outcome: 'denied',
      subjects: [me.subject],
      reason: 'nothing_to_appeal',
      detail: { colour: status.colour },
    });
    throw conflict('nothing_to_appeal', 'Your health code is green: there is nothing to appeal.');
  }
  const responsible = await responsibleFor(ctx.db, status.reasons);
  const rules: RulesAtFiling = {
    ruleSet: status.ruleSet,
    ruleVersion: status.ruleVersion,
    computedColour: status.computedColour,
    reasons: status.reasons,
  };
  const id = newId('apl');
  const row = await ctx.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`govshare.appeals.${me.subject}`]);
    const open = await tx.query<{ id: string }>(
      "SELECT id FROM appeals WHERE subject = $1 AND status = 'open' LIMIT 1",
      [me.subject],
    );
    if (open.rows[0]) return { open: open.rows[0].id };
    const res = await tx.query<Row>(
      `INSERT INTO appeals (id, subject, status, reason, colour_at_filing, rules_at_filing, responsible)
       VALUES ($1, $2, 'open', $3, $4, $5, $6) RETURNING *`,
      [id, me.subject, reason, status.colour, JSON.stringify(rules), responsible],
    );
    return { row: res.rows[0]! };
  });
  if ('open' in row) {
    await audit(ctx, {
      action: 'appeals.file',
      outcome: 'denied',
      subjects: [me.subject],
      reason: 'appeal_open',
      detail: { appeal: row.open },
    });
    throw conflict('appeal_open', `You already have an open appeal (${row.open}); wait for its decision.`);
  }
  await audit(ctx, {
    action: 'appeals.file',
    outcome: 'ok',
    subjects: [me.subject],
    detail: {
      appeal: id,
      colour: status.colour,
      ruleSet: status.ruleSet,
      ruleVersion: status.ruleVersion,
      rules: status.reasons.map((r) => r.rule),
      responsible,
    },
  });
  return toAppeal(row.row);
}

/** The signed-in person's own appeals, newest first, with their decisions. */
export async function myAppeals(ctx: Ctx): Promise<Appeal[]> {
  const me = requirePerson(ctx);
  const res = await ctx.db.query<Row>(
    'SELECT * FROM appeals WHERE subject = $1 ORDER BY created_at DESC, id LIMIT 500',
    [me.subject],
  );
  await audit(ctx, {
    action: 'person.appeals_viewed',
    outcome: 'ok',
    subjects: [me.subject],
    detail: { appeals: res.rows.length },
  });
  const now = Date.now();
  return res.rows.map((r) => toAppeal(r, now));
}

/** Appeals a department answers for (an administrator sees all), oldest first; audited with the people shown. */
export async function listAppeals(ctx: Ctx, query: AppealQuery = {}): Promise<Appeal[]> {
  requireAuthenticated(ctx);
  const dept = isAdmin(ctx) ? undefined : callerDepartment(ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  if (dept !== undefined) where.push(`responsible = $${params.push(dept)}`);
  if (query.status) where.push(`status = $${params.push(query.status)}`);
  const res = await ctx.db.query<Row>(
    `SELECT * FROM appeals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id
     LIMIT $${params.push(query.limit ?? 100)} OFFSET $${params.push(query.offset ?? 0)}`,
    params,
  );
  const subjects = [...new Set(res.rows.map((r) => r.subject))];
  await audit(ctx, {
    action: 'appeals.list',
    outcome: 'ok',
    ...(subjects.length > 0 ? { subjects } : {}),
    detail: { appeals: res.rows.map((r) => r.id), ...(query.status ? { status: query.status } : {}) },
  });
  const now = Date.now();
  return res.rows.map((r) => toAppeal(r, now));
}

async function loadAppeal(q: Queryable, id: string): Promise<Row> {
  const res = await q.query<Row>('SELECT * FROM appeals WHERE id = $1', [id]);
  if (!res.rows[0]) throw notFound('appeal_not_found', `No appeal with id ${id}.`);
  return res.rows[0];
}

/** The responsible department or an administrator; anyone else is refused (and the refusal audited). */
async function requireDecider(ctx: Ctx, row: Row, action: 'appeals.read' | 'appeals.decide'): Promise<void> {
  requireAuthenticated(ctx);
  if (isAdmin(ctx) || callerDepartment(ctx) === row.responsible) return;
  await audit(ctx, {
    action,
    outcome: 'denied',
    subjects: [row.subject],
    reason: 'not_responsible',
    detail: { appeal: row.id },
  });
  throw forbidden(
    'not_responsible',
    `Only the responsible department (${row.responsible}) or a data-center administrator may handle appeal ${row.id}.`,
  );
}

/** One appeal, for the responsible department or an administrator. */
export async function getAppeal(ctx: Ctx, id: string): Promise<Appeal> {
  requireAuthenticated(ctx);
  const row = await loadAppeal(ctx.db, id);
  await requireDecider(ctx, row, 'appeals.read');
  await audit(ctx, { action: 'appeals.read', outcome: 'ok', subjects: [row.subject], detail: { appeal: row.id } });
  return toAppeal(row);
}

function checkDecision(input: DecisionInput, now: number): { colour: Colour | null; until: string | null } {
  if (input.decision === 'reject') {
    if (input.colour !== undefined || input.expiresAt !== undefined) {
      throw badRequest(
        'not_applicable',
        'colour and expiresAt belong to an accepted appeal; a rejection leaves the status as computed.',
        { field: input.colour !== undefined ? 'colour' : 'expiresAt' },
      );
    }
    return { colour: null, until: null };
  }
  if (input.expiresAt === undefined) {
    throw badRequest(
      'expires_required',
      `expiresAt: an accepted appeal overrides the colour until a time, at most ${MAX_OVERRIDE_DAYS} days ahead.`,
      { field: 'expiresAt' },
    );
  }
  const until = Date.parse(input.expiresAt);
  if (Number.isNaN(until))
    throw badRequest('invalid_expiry', 'expiresAt: not a valid ISO 8601 date-time.', { field: 'expiresAt' });
  if (until <= now) throw unprocessable('expiry_in_past', 'expiresAt must be in the future.', { field: 'expiresAt' });
  if (until > now + MAX_OVERRIDE_DAYS * DAY_MS)
    throw unprocessable('expiry_too_far', `expiresAt may be at most ${MAX_OVERRIDE_DAYS} days ahead.`, {
      field: 'expiresAt',
    });
  return { colour: input.colour ?? 'green', until: new Date(until).toISOString() };
}

/**
 * The responsible department (or an administrator) accepts or rejects an open appeal. Accepting sets the colour
 * override until the expiry; the person's status is recomputed at once (queued for the worker if that fails).
 */
export async function decideAppeal(ctx: Ctx, id: string, input: DecisionInput): Promise<Appeal> {
  requireAuthenticated(ctx);
  const current = await loadAppeal(ctx.db, id);
  await requireDecider(ctx, current, 'appeals.decide');
  if (current.status !== 'open')
    throw conflict(
      'appeal_decided',
      `Appeal ${id} was already ${current.status}${current.decided_at ? ` at ${iso(current.decided_at)}` : ''}.`,
    );
  const reason = cleanReason(input.reason);
  const { colour, until } = checkDecision(input, Date.now());
  const decidedBy = callerDepartment(ctx) ?? 'system';
  const res = await ctx.db.query<Row>(
    `UPDATE appeals SET status = $2, decided_by = $3, decision_reason = $4, override_colour = $5, override_until = $6, decided_at = now()
     WHERE id = $1 AND status = 'open' RETURNING *`,
    [id, input.decision === 'accept' ? 'accepted' : 'rejected', decidedBy, reason, colour, until],
  );
  const row = res.rows[0];
  if (!row) throw conflict('appeal_decided', `Appeal ${id} was decided meanwhile.`);
  await audit(ctx, {
    action: 'appeals.decide',
    outcome: 'ok',
    subjects: [row.subject],
    reason,
    detail: { appeal: id, decision: input.decision, ...(colour ? { colour, until } : {}) },
  });
  try {
    await recomputeSubjects(ctx.platform, [row.subject], 'appeal');
  } catch {
    // The decision stands; the recompute worker picks the person up soon.
    await enqueueRecompute(ctx.db, [row.subject], 'appeal').catch(() => undefined);
  }
  return toAppeal(row);
}
