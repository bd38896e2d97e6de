import { createHash } from 'node:crypto';
import type { Mask } from './types.js';

export type MaskableValue = string | number | boolean | null;

const STAR = '*';

/** Keeps the first `first` and last `last` code points; if nothing would be hidden, hides everything. */
function keepEnds(value: string, first: number, last: number): string {
  const cps = Array.from(value);
  const n = cps.length;
  const f = Math.max(0, Math.floor(first));
  const l = Math.max(0, Math.floor(last));
  if (f + l >= n) return STAR.repeat(n);
  return cps.slice(0, f).join('') + STAR.repeat(n - f - l) + (l > 0 ? cps.slice(n - l).join('') : '');
}

function maskName(value: string): string {
  const cps = Array.from(value);
  const n = cps.length;
  if (n <= 1) return STAR.repeat(n);
  if (n === 2) return `${cps[0] ?? ''}${STAR}`;
  return `${cps[0] ?? ''}${STAR.repeat(n - 2)}${cps[n - 1] ?? ''}`;
}

function maskPhone(value: string): string {
  // 11-digit mobile: 138****5678. Other lengths: keep 3 + last 4 when at least one char is hidden.
  return keepEnds(value, 3, 4);
}

const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Year of a date / date-time value; null when the value is not recognisably a date (fail closed).
 * Date-times carrying an offset are converted to China Standard Time first, so
 * '2021-12-31T16:30:00.000Z' (= 2022-01-01 00:30 CST) gives '2022'.
 */
function yearOnly(value: string): string | null {
  if (ISO_UTC_RE.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return String(new Date(t + 8 * 3600 * 1000).getUTCFullYear()).padStart(4, '0');
  }
  return /^\d{4}(?:-?\d{2}-?\d{2}|$)/.test(value) ? value.slice(0, 4) : null;
}

/**
 * Applies a mask to a (validated, normalised) value. null stays null for every mask.
 * Partial masks work on Unicode code points; '*' replaces each hidden code point.
 * When a partial mask would reveal the whole value (value too short), the whole value is starred.
 * 'hash' is the first 16 hex chars of SHA-256 over the value's string form.
 */
export function applyMask(mask: Mask, value: MaskableValue): MaskableValue {
  if (value === null) return null;
  switch (mask.type) {
    case 'none':
      return value;
    case 'null':
      return null;
    case 'hash':
      return createHash('sha256').update(String(value), 'utf8').digest('hex').slice(0, 16);
    case 'show_first_last':
      return keepEnds(String(value), mask.first, mask.last);
    case 'show_first':
      return keepEnds(String(value), mask.n, 0);
    case 'show_last':
      return keepEnds(String(value), 0, mask.n);
    case 'name':
      return maskName(String(value));
    case 'phone':
      return maskPhone(String(value));
    case 'year_only':
      return yearOnly(String(value));
  }
}
