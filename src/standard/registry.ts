import { audit, type Ctx } from '../access/context.js';
import { requireAdmin } from '../access/policy.js';
import { badRequest, conflict, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { BASELINE_ELEMENTS } from './baseline.js';
import type { ElementInput } from './schema.js';
import type { DataElement } from './types.js';
import { compilePattern, compileValidator } from './validate.js';

export type StoredElement = DataElement & { builtin: boolean };

/** Writes the built-in baseline into the registry; a newer built-in version replaces the stored one. */
export async function seedBaseline(q: Queryable): Promise<void> {
  for (const el of BASELINE_ELEMENTS) {
    await q.query(
      `INSERT INTO data_elements (code, version, definition, builtin) VALUES ($1, $2, $3, true)
       ON CONFLICT (code) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition, updated_at = now()
       WHERE data_elements.builtin AND data_elements.version < EXCLUDED.version`,
      [el.code, el.version, JSON.stringify(el)],
    );
  }
  forgetElements(q);
}

// Elements are never changed once registered (only added), so the map is cached per database for a few seconds;
// a process that registers one drops its cache at once, others see it within CACHE_MS.
const CACHE_MS = 5000;
const cache = new WeakMap<Queryable, { at: number; map: Promise<Map<string, StoredElement>> }>();

export function loadElementMap(q: Queryable): Promise<Map<string, StoredElement>> {
  const hit = cache.get(q);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.map;
  const map = q
    .query<{ definition: DataElement; builtin: boolean; version: number }>(
      'SELECT definition, builtin, version FROM data_elements',
    )
    .then(
      (res) =>
        new Map(res.rows.map((r) => [r.definition.code, { ...r.definition, version: r.version, builtin: r.builtin }])),
    );
  cache.set(q, { at: Date.now(), map });
  map.catch(() => cache.delete(q));
  return map;
}

export function forgetElements(q: Queryable): void {
  cache.delete(q);
}

export async function listElements(q: Queryable): Promise<StoredElement[]> {
  return [...(await loadElementMap(q)).values()].sort((a, b) => a.code.localeCompare(b.code));
}

export async function getElement(q: Queryable, code: string): Promise<StoredElement> {
  const el = (await loadElementMap(q)).get(code);
  if (!el) throw notFound('element_not_found', `No standard data element with code ${code}.`);
  return el;
}

function checkElement(input: ElementInput): DataElement {
  if (input.type === 'code' && !input.valueSet)
    throw badRequest('value_set_required', 'An element of type code needs a valueSet.', { field: 'valueSet' });
  if (input.valueSet && new Set(input.valueSet.map((v) => v.code)).size !== input.valueSet.length) {
    throw badRequest('duplicate_value', 'valueSet names a code twice.', { field: 'valueSet' });
  }
  if (input.pattern !== undefined) {
    try {
      compilePattern(input.pattern);
    } catch (err) {
      throw badRequest('invalid_pattern', `pattern is not a valid regular expression: ${(err as Error).message}`, {
        field: 'pattern',
      });
    }
  }
  if (input.minimum !== undefined && input.maximum !== undefined && input.minimum > input.maximum) {
    throw badRequest('invalid_range', 'minimum is greater than maximum.', { field: 'minimum' });
  }
  const el = { ...input, version: 1 } as DataElement;
  compileValidator(el);
  return el;
}

/** Registers a new standard element (administrators keep the data standard). */
export async function createElement(ctx: Ctx, input: ElementInput): Promise<StoredElement> {
  requireAdmin(ctx);
  const el = checkElement(input);
  const res = await ctx.db.query(
    'INSERT INTO data_elements (code, version, definition) VALUES ($1, 1, $2) ON CONFLICT (code) DO NOTHING',
    [el.code, JSON.stringify(el)],
  );
  if (res.rowCount === 0) throw conflict('element_exists', `A data element with code ${el.code} already exists.`);
  forgetElements(ctx.db);
  await audit(ctx, { action: 'elements.create', outcome: 'ok', detail: { element: el.code } });
  return { ...el, builtin: false };
}

/** Validates one value against an element, as ingest would. */
export async function validateValue(ctx: Ctx, code: string, value: unknown) {
  const el = await getElement(ctx.db, code);
  const r = compileValidator(el)(value);
  return r.ok
    ? { element: code, valid: true, value: r.value }
    : { element: code, valid: false, code: r.issue.code, message: r.issue.message[ctx.lang] };
}
