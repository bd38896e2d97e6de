// SQL of the status store: health_status (current) and health_status_history (every change).
import type { Queryable } from '../../db/types.js';
import type { Colour } from '../rules/index.js';
import type { HistoryEntry, PersonStatus, StatusReason } from './types.js';

interface Row {
  subject: string;
  code_sub: string;
  colour: Colour;
  computed_colour: Colour;
  reasons: StatusReason[];
  rule_set: string;
  rule_version: string;
  override_appeal: string | null;
  since: Date | string;
  computed_at: Date | string;
}

const COLUMNS =
  'subject, code_sub, colour, computed_colour, reasons, rule_set, rule_version, override_appeal, since, computed_at';
const iso = (v: Date | string): string => new Date(v).toISOString();

export const toStatus = (r: Row): PersonStatus => ({
  subject: r.subject,
  codeSub: r.code_sub,
  colour: r.colour,
  computedColour: r.computed_colour,
  reasons: r.reasons,
  ruleSet: r.rule_set,
  ruleVersion: r.rule_version,
  overrideAppeal: r.override_appeal,
  since: iso(r.since),
  computedAt: iso(r.computed_at),
});

export async function statusRows(q: Queryable, subjects: readonly string[]): Promise<Map<string, PersonStatus>> {
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM health_status WHERE subject = ANY($1::text[])`, [subjects]);
  return new Map(res.rows.map((r) => [r.subject, toStatus(r)]));
}

export async function statusRow(q: Queryable, subject: string): Promise<PersonStatus | undefined> {
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM health_status WHERE subject = $1`, [subject]);
  return res.rows[0] ? toStatus(res.rows[0]) : undefined;
}

export async function statusRowBySub(q: Queryable, codeSub: string): Promise<PersonStatus | undefined> {
  const res = await q.query<Row>(`SELECT ${COLUMNS} FROM health_status WHERE code_sub = $1`, [codeSub]);
  return res.rows[0] ? toStatus(res.rows[0]) : undefined;
}

/**
 * Writes new or changed statuses and their history entries. Everyone starts green: a first status that is green
 * with no reasons is stored without a history entry (nothing changed for the person).
 */
export async function writeChanged(
  q: Queryable,
  changed: readonly PersonStatus[],
  previous: ReadonlyMap<string, PersonStatus>,
  cause: string,
): Promise<void> {
  if (changed.length === 0) return;
  const col = <T>(f: (s: PersonStatus) => T): T[] => changed.map(f);
  const changes = changed.filter((s) => previous.has(s.subject) || s.colour !== 'green' || s.reasons.length > 0);
  const hcol = <T>(f: (s: PersonStatus) => T): T[] => changes.map(f);
  await q.query(
    `INSERT INTO health_status (${COLUMNS})
     SELECT s, cs, c, cc, r::jsonb, rs, rv, oa, si, ca
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
         AS t(s, cs, c, cc, r, rs, rv, oa, si, ca)
     ON CONFLICT (subject) DO UPDATE SET colour = excluded.colour, computed_colour = excluded.computed_colour, reasons = excluded.reasons,
       rule_set = excluded.rule_set, rule_version = excluded.rule_version, override_appeal = excluded.override_appeal,
       since = excluded.since, computed_at = excluded.computed_at`,
    [
      col((s) => s.subject),
      col((s) => s.codeSub),
      col((s) => s.colour),
      col((s) => s.computedColour),
      col((s) => JSON.stringify(s.reasons)),
      col((s) => s.ruleSet),
      col((s) => s.ruleVersion),
      col((s) => s.overrideAppeal),
      col((s) => s.since),
      col((s) => s.computedAt),
    ],
  );
  if (changes.length === 0) return;
  await q.query(
    `INSERT INTO health_status_history (subject, colour, previous, reasons, rule_set, rule_version, cause, at)
     SELECT s, c, p, r::jsonb, rs, rv, $8, a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS t(s, c, p, r, rs, rv, a)`,
    [
      hcol((s) => s.subject),
      hcol((s) => s.colour),
      hcol((s) => previous.get(s.subject)?.colour ?? null),
      hcol((s) => JSON.stringify(s.reasons)),
      hcol((s) => s.ruleSet),
      hcol((s) => s.ruleVersion),
      hcol((s) => s.computedAt),
      cause,
    ],
  );
}

/** Marks unchanged statuses as computed now. */
export async function touch(q: Queryable, subjects: readonly string[], at: string): Promise<void> {
  if (subjects.length > 0)
    await q.query('UPDATE health_status SET computed_at = $2 WHERE subject = ANY($1::text[])', [subjects, at]);
}

export async function history(q: Queryable, subject: string, limit = 200): Promise<HistoryEntry[]> {
  const res = await q.query<{
    seq: string | number;
    colour: Colour;
    previous: Colour | null;
    reasons: StatusReason[];
    rule_set: string;
    rule_version: string;
    cause: string;
    at: Date | string;
  }>(
    'SELECT seq, colour, previous, reasons, rule_set, rule_version, cause, at FROM health_status_history WHERE subject = $1 ORDER BY seq DESC LIMIT $2',
    [subject, limit],
  );
  return res.rows.map((r) => ({
    seq: Number(r.seq),
    colour: r.colour,
    previous: r.previous,
    reasons: r.reasons,
    ruleSet: r.rule_set,
    ruleVersion: r.rule_version,
    cause: r.cause,
    at: iso(r.at),
  }));
}

/** Accepted appeals whose override is still running, the latest decision per person. */
export async function overrides(
  q: Queryable,
  subjects: readonly string[],
  now: string,
): Promise<Map<string, { appeal: string; colour: Colour }>> {
  const res = await q.query<{ subject: string; id: string; override_colour: Colour }>(
    `SELECT DISTINCT ON (subject) subject, id, override_colour FROM appeals
      WHERE subject = ANY($1::text[]) AND status = 'accepted' AND override_until > $2 AND override_colour IS NOT NULL
      ORDER BY subject, decided_at DESC`,
    [subjects, now],
  );
  return new Map(res.rows.map((r) => [r.subject, { appeal: r.id, colour: r.override_colour }]));
}
