import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { FastifyValidationResult } from 'fastify/types/schema.js';
import { badRequest, type Problem } from '../core/problem.js';
import type { App } from './types.js';

// Bad input is a 4xx, never a 500, checked here once for every route: no NUL byte or lone surrogate anywhere in
// the URL, a query value or a JSON body string (PostgreSQL cannot store either in text), no number out of range,
// no body nested deeper than MAX_DEPTH. Integer schemas without bounds get the bounds of a safe integer.

/** Deepest nesting of a JSON body accepted. */
export const MAX_DEPTH = 32;
const LIMIT = Number.MAX_SAFE_INTEGER;

/** A NUL, or a UTF-16 surrogate without its partner. */
// eslint-disable-next-line no-control-regex -- the NUL character is what this looks for
const BAD_CHARS = /[\u0000\ud800-\udfff]/u; // with the u flag a surrogate matches only when it is unpaired
const hasBadChars = (s: string): boolean => BAD_CHARS.test(s);

const invalidCharacters = (where: string): Problem =>
  badRequest(
    'invalid_characters',
    `${where} holds a NUL character, a lone UTF-16 surrogate or bytes that are not UTF-8; remove them.`,
    { where },
  );

/** A name safe to repeat in an error: a plain identifier, else a placeholder. */
const nameOf = (s: string): string => (/^[A-Za-z_][\w-]{0,63}$/.test(s) ? s : '…');

function decoded(s: string, plus: boolean): string | undefined {
  try {
    return decodeURIComponent(plus ? s.replace(/\+/g, ' ') : s);
  } catch {
    return undefined;
  }
}

/** Checks the raw URL: the path and every query name and value, percent-decoded. */
export function checkUrl(url: string): void {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const p = decoded(path, false);
  if (p === undefined || hasBadChars(p)) throw invalidCharacters('The path');
  if (q === -1) return;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = decoded(eq === -1 ? pair : pair.slice(0, eq), true);
    const value = eq === -1 ? '' : decoded(pair.slice(eq + 1), true);
    if (name === undefined || hasBadChars(name)) throw invalidCharacters('A query parameter name');
    if (value === undefined || hasBadChars(value)) throw invalidCharacters(`The query parameter ${nameOf(name)}`);
  }
}

type Fault = 'characters' | 'key' | 'number' | 'depth';

/** The first fault in a JSON value, with its path (innermost last); recursion is bounded by MAX_DEPTH. */
function faultIn(v: unknown, depth: number): { fault: Fault; path: (string | number)[] } | undefined {
  if (typeof v === 'string') return hasBadChars(v) ? { fault: 'characters', path: [] } : undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : { fault: 'number', path: [] };
  if (v === null || typeof v !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return { fault: 'depth', path: [] };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = faultIn(v[i], depth + 1);
      if (f) return { fault: f.fault, path: [i, ...f.path] };
    }
    return undefined;
  }
  for (const k in v) {
    if (hasBadChars(k)) return { fault: 'key', path: [] };
    const f = faultIn((v as Record<string, unknown>)[k], depth + 1);
    if (f) return { fault: f.fault, path: [k, ...f.path] };
  }
  return undefined;
}

/** Checks a parsed JSON body: strings and property names, numbers, depth. */
export function checkJsonBody(body: unknown): void {
  const f = faultIn(body, 0);
  if (!f) return;
  const where = f.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${nameOf(k)}`), 'body');
  switch (f.fault) {
    case 'characters':
      throw invalidCharacters(where);
    case 'key':
      throw invalidCharacters(`A property name in ${where}`);
    case 'number':
      throw badRequest('number_out_of_range', `${where} is a number too large to represent.`, { where });
    default:
      throw badRequest('body_too_deep', `The body is nested deeper than ${MAX_DEPTH} levels.`, { where });
  }
}

/** Where a coerced query or path object holds a non-finite number (ajv coerces "Infinity" and lets it through). */
function nonFinite(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  for (const [k, v] of Object.entries(data)) {
    for (const x of Array.isArray(v) ? v : [v])
      if (typeof x === 'number' && !Number.isFinite(x)) return `/${nameOf(k)}`;
  }
  return undefined;
}

type Validator = FastifyValidationResult;

/** Wraps a coercing validator (query strings, path parameters) so that a non-finite number fails validation. */
export function finiteOnly(validate: Validator): Validator {
  const fn: Validator = (data) => {
    if (!validate(data)) {
      fn.errors = validate.errors ?? null;
      return false;
    }
    const at = nonFinite(data);
    fn.errors =
      at === undefined
        ? null
        : [
            {
              instancePath: at,
              keyword: 'maximum',
              params: {},
              schemaPath: '',
              message: 'must be a finite number',
            } as FastifySchemaValidationError,
          ];
    return at === undefined;
  };
  return fn;
}

/** Gives every integer schema without bounds those of a safe integer (in place; idempotent). */
export function boundIntegers(schema: unknown, seen = new Set<object>()): void {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  if (Array.isArray(schema)) {
    for (const s of schema) boundIntegers(s, seen);
    return;
  }
  const s = schema as Record<string, unknown>;
  const type = s.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    if (s.maximum === undefined && s.exclusiveMaximum === undefined) s.maximum = LIMIT;
    if (s.minimum === undefined && s.exclusiveMinimum === undefined) s.minimum = -LIMIT;
  }
  for (const v of Object.values(s)) boundIntegers(v, seen);
}

/** Whether a route reads its own body strings (ingest rows: bad rows are rejected in the receipt, not the batch). */
const checksOwnBody = (req: FastifyRequest): boolean => req.routeOptions.config?.ownBodyChecks === true;

/** Registers the checks: schemas bounded as routes are added, the URL on request, the body once parsed. */
export function registerInputChecks(app: App): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    for (const part of ['params', 'querystring', 'body', 'headers']) boundIntegers(schema[part]);
  });
  app.addHook('onRequest', async (req) => checkUrl(req.raw.url ?? '/'));
  app.addHook('preValidation', async (req) => {
    const body = req.body;
    if (body === undefined || checksOwnBody(req)) return;
    if (typeof (body as { pipe?: unknown } | null)?.pipe === 'function') return; // a stream (CSV, NDJSON)
    checkJsonBody(body);
  });
}
