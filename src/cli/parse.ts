import { InvalidArgumentError } from 'commander';
import type { Lang } from '../core/i18n.js';

// Value parsers for commander options. They throw InvalidArgumentError, which commander
// reports as a usage error (exit code 2).

/** zh-CN or en; zh, zh_CN, zh-cn and en-US are accepted as well. */
export function parseLang(value: string): Lang {
  const v = value.trim().toLowerCase();
  if (/^zh([-_].*)?$/.test(v)) return 'zh-CN';
  if (/^en([-_].*)?$/.test(v)) return 'en';
  throw new InvalidArgumentError('Must be zh-CN or en.');
}

/** An http(s) base URL, without trailing slashes. */
export function parseBaseUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('Must be an http:// or https:// URL, e.g. http://127.0.0.1:8080.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new InvalidArgumentError('Must be an http:// or https:// URL.');
  return value.replace(/\/+$/, '');
}

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('Must be an integer.');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('Is too large.');
  return n;
}

/** A calendar date written YYYY-MM-DD that exists. */
export function parseDay(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError('Must be a date written YYYY-MM-DD.');
  return value;
}

/** An ISO 8601 date or date-time, returned as a full UTC timestamp (a bare date means its midnight UTC). */
export function parseInstant(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}([T ].+)?$/.test(value))
    throw new InvalidArgumentError('Must be an ISO 8601 date or date-time, e.g. 2026-12-31T23:59:59+08:00.');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('Is not a valid date-time.');
  return d.toISOString();
}

/**
 * The end of a period: a bare date means the end of that day in China Standard Time (23:59:59.999 +08:00, as
 * people in China read it); a date-time is taken as given.
 */
export function parseUntil(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${parseDay(value)}T23:59:59.999+08:00`).toISOString();
  return parseInstant(value);
}

/** A comma-separated list, e.g. `name,sex,birth_date`; blanks around the commas are dropped. */
export function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('Must be one or more names separated by commas.');
  return items;
}

/** For options that may be repeated as well as comma-separated: `--purpose a,b --purpose c`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...parseList(value)];
}

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;

/** A repeatable `field=value` filter (the value may hold `=`, not be empty). */
export function collectWhere(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  const field = eq < 0 ? '' : value.slice(0, eq).trim();
  if (!FIELD_NAME.test(field) || eq === value.length - 1)
    throw new InvalidArgumentError('Must be field=value, the field a name such as result or region.');
  return { ...(previous ?? {}), [field]: value.slice(eq + 1) };
}

/** An integer parser bounded to [min, max]. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = parseInteger(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Must be an integer from ${min} to ${max}.`);
    return n;
  };
}
