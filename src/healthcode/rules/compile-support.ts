/** Pieces shared by the CertLogic compiler's files. */
import { plusTime } from 'certlogic-js/dist/internals.js';

/** A compiled CertLogic expression. */
export type Compiled = (data: unknown) => unknown;

/** A compiled plusTime also offers its result as epoch ms, so comparisons of dates need not build Date objects. */
export type CompiledTime = Compiled & { ms: (data: unknown) => number };

/** A part that throws, when evaluated, the error the reference evaluator throws for it. */
export const fail =
  (message: string): Compiled =>
  () => {
    throw new Error(message);
  };

/**
 * Parsed time strings (epoch ms, NaN for an invalid date), as certlogic-js parses them. A person's rules parse
 * the same few strings many times (now, test times), so this saves most of the parsing. Bounded by clearing.
 */
const parsed = new Map<string, number>();
const PARSED_MAX = 10_000;

const MAX_TIME = 8.64e15;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** 'YYYY-MM-DDTHH:MM:SSZ', the form govshare stores: certlogic-js rebuilds the same string and calls new Date on it. */
const DATE_TIME_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The parsed time of `str` in epoch ms, as certlogic-js parses it; throws its error when it cannot parse. */
function parse(str: string): number {
  let ms = parsed.get(str);
  if (ms === undefined) {
    ms = DATE_TIME_Z.test(str) ? new Date(str).getTime() : plusTime(str, 0, 'day').getTime();
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(str, ms);
  }
  return ms;
}

/**
 * plusTimeFast(...).getTime() without the Date: for days and hours, setUTCDate/setUTCHours on a UTC time value
 * add exactly amount × 24 h / 1 h and then TimeClip (ECMA-262 21.4.1.31), which this does.
 */
export function plusTimeMs(str: string, amount: number, unit: 'year' | 'month' | 'day' | 'hour'): number {
  if (unit === 'day' || unit === 'hour') {
    const ms = parse(str) + amount * (unit === 'day' ? DAY : HOUR);
    return Math.abs(ms) > MAX_TIME ? NaN : ms;
  }
  return plusTimeFast(str, amount, unit).getTime();
}

/**
 * certlogic-js's plusTime, parsing through the cache: the parse is certlogic-js's own (plusTime with amount 0
 * returns the parsed date untouched; unparseable strings throw its error, uncached), the shift is its code.
 */
export function plusTimeFast(str: string, amount: number, unit: 'year' | 'month' | 'day' | 'hour'): Date {
  const date = new Date(parse(str));
  if (amount === 0) return date;
  switch (unit) {
    case 'day':
      date.setUTCDate(date.getUTCDate() + amount);
      break;
    case 'hour':
      date.setUTCHours(date.getUTCHours() + amount);
      break;
    case 'month':
      date.setUTCMonth(date.getUTCMonth() + amount);
      break;
    case 'year':
      date.setUTCFullYear(date.getUTCFullYear() + amount);
      break;
  }
  return date;
}
