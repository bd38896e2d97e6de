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
