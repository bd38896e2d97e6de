// Risk areas as the facts see them: where (places), how risky, and when in force.
import type { Queryable } from '../../db/types.js';
import { areasOverlapping } from '../../riskareas/service.js';

export interface AreaSpan {
  id: string;
  level: 'high' | 'medium' | 'low';
  places: string[];
  from: number; // ms
  /** The end: lifted by hand, or by the 7-day rule (riskareas/), whichever is first (ms); Infinity while in force. */
  to: number;
}

/** Areas that were in force at some time after `since` (the only ones a visit the rules still count can match). */
export async function areasSince(q: Queryable, since: Date): Promise<AreaSpan[]> {
  const windows = await areasOverlapping(q, since, FAR_FUTURE);
  return windows.map((w) => {
    const end = w.endsAt ?? w.liftsByRuleAt;
    return {
      id: w.id,
      level: w.level,
      places: w.places,
      from: Date.parse(w.startsAt),
      to: end === null ? Infinity : Date.parse(end),
    };
  });
}

const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

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
