import { extname } from 'node:path';
import { UsageError } from './errors.js';
import type { Format } from './types.js';

export const FORMATS: readonly Format[] = ['csv', 'ndjson', 'json'];

const BY_EXTENSION: Record<string, Format> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
};

export const CONTENT_TYPES: Record<Format, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
};

/** The upload format: --format when given, else the file's extension; `-` (stdin) needs --format. */
export function detectFormat(file: string, flag?: string): Format {
  if (flag !== undefined) {
    const f = flag.toLowerCase();
    if (f === 'jsonl') return 'ndjson';
    if ((FORMATS as readonly string[]).includes(f)) return f as Format;
    throw new UsageError(`unknown format '${flag}'; use --format csv, ndjson or json`);
  }
  if (file === '-') throw new UsageError('reading standard input needs --format csv, ndjson or json');
  const byExt = BY_EXTENSION[extname(file).toLowerCase()];
  if (byExt) return byExt;
  throw new UsageError(
    `cannot tell the format of '${file}' from its extension (.csv, .ndjson, .jsonl, .json); use --format csv, ndjson or json`,
  );
}

const CST_MS = 8 * 3_600_000;

/**
 * An instant as people in China read it, in China Standard Time: `2026-10-16 23:59 (UTC+8)` (with `seconds`,
 * `2026-10-16 23:59:59 (UTC+8)`). Empty for null; anything that is not an instant is shown as given. JSON output
 * keeps the API's ISO 8601 UTC instead.
 */
export function chinaTime(iso: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (iso === null || iso === undefined || iso === '') return '';
  const t = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(t)) return iso;
  const local = new Date(t + CST_MS).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, opts.seconds ? 19 : 16)} (UTC+8)`;
}

/** The China date (YYYY-MM-DD, UTC+8) of an instant. */
export function chinaDate(iso: string): string {
  return new Date(Date.parse(iso) + CST_MS).toISOString().slice(0, 10);
}
