// Risk areas as the facts see them: where (places), how risky, and when in force.
import type { Queryable } from '../../db/types.js';

export const RULE_LIFT_DAYS = 7;
const DAY_MS = 86_400_000;

export interface AreaSpan {
  id: string;
  level: 'high' | 'medium' | 'low';
  places: string[];
  from: number; // ms
  /** The end: lifted by hand, or by the 7-day rule, whichever is first (ms); Infinity while in force. */
  to: number;
}

interface Row {
  id: string;
  level: AreaSpan['level'];
  places: string[];
  starts_at: Date | string;
  last_case_at: Date | string | null;
  ends_at: Date | string | null;
}

const ms = (v: Date | string): number => new Date(v).getTime();

/** The area's effective span; the 7-day rule applies even before the sweeper has recorded the lift. */
export function spanOf(r: Row): AreaSpan {
  const ruleEnd = ms(r.last_case_at ?? r.starts_at) + RULE_LIFT_DAYS * DAY_MS;
  const to = Math.min(r.ends_at === null ? Infinity : ms(r.ends_at), ruleEnd);
  return { id: r.id, level: r.level, places: r.places, from: ms(r.starts_at), to };
}

/** Areas that were in force at some time after `since` (the only ones a visit the rules still count can match). */
export async function areasSince(q: Queryable, since: Date): Promise<AreaSpan[]> {
  const res = await q.query<Row>(
    `SELECT id, level, places, starts_at, last_case_at, ends_at FROM risk_areas WHERE ends_at IS NULL OR ends_at > $1`,
    [since.toISOString()],
  );
  return res.rows.map(spanOf).filter((a) => a.to > since.getTime());
}

/** An index place → areas, for matching scans and arrivals. */
export function placeIndex(areas: readonly AreaSpan[]): Map<string, AreaSpan[]> {
  const idx = new Map<string, AreaSpan[]>();
  for (const a of areas) {
    if (a.level === 'low') continue;
    for (const p of a.places) {
      const list = idx.get(p);
      if (list) list.push(a);
      else idx.set(p, [a]);
    }
  }
  return idx;
}
