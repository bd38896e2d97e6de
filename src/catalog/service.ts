import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, isAdmin, requireAuthenticated, requireCatalogEditor } from '../access/policy.js';
import { badRequest, conflict, forbidden, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { findDepartment } from '../departments/service.js';
import { loadElementMap } from '../standard/registry.js';
import { validateDivisionCode } from '../standard/index.js';
import type { CatalogQuery, Dataset, DatasetInput, DatasetPatch } from './schema.js';

interface Row {
  id: string;
  owner_id: string;
  title: Dataset['title'];
  description: Dataset['description'];
  fields: Dataset['fields'];
  key_fields: string[];
  subject_field: string | null;
  key_scope: Dataset['keyScope'];
  update_frequency: string;
  coverage: Dataset['coverage'];
  sharing_class: Dataset['sharingClass'];
  legal_basis: string | null;
  open: boolean;
  keywords: string[];
  version: number;
  record_count: number | string;
  last_ingest_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

const toDataset = (r: Row): Dataset => ({
  id: r.id,
  owner: r.owner_id,
  title: r.title,
  description: r.description,
  fields: r.fields,
  key: r.key_fields,
  subjectField: r.subject_field,
  keyScope: r.key_scope,
  updateFrequency: r.update_frequency,
  coverage: r.coverage,
  sharingClass: r.sharing_class,
  legalBasis: r.legal_basis,
  open: r.open,
  keywords: r.keywords,
  version: r.version,
  recordCount: Number(r.record_count),
  lastIngestAt: r.last_ingest_at === null ? null : iso(r.last_ingest_at),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

type Definition = Omit<DatasetInput, 'id' | 'owner'>;

/** Checks a dataset definition against the data standard; returns the subject field it settles on. */
async function checkDefinition(q: Queryable, def: Definition): Promise<string | null> {
  const elements = await loadElementMap(q);
  const names = new Set<string>();
  for (const [i, f] of def.fields.entries()) {
    if (names.has(f.name))
      throw badRequest('duplicate_field', `fields[${i}]: field name ${f.name} appears twice.`, {
        field: `fields[${i}].name`,
      });
    names.add(f.name);
    if (!elements.has(f.element))
      throw badRequest('unknown_element', `fields[${i}] (${f.name}): ${f.element} is not a standard data element.`, {
        field: `fields[${i}].element`,
      });
  }
  for (const k of def.key) {
    const f = def.fields.find((x) => x.name === k);
    if (!f) throw badRequest('unknown_key_field', `key: ${k} is not one of the dataset's fields.`, { field: 'key' });
    if (!f.required)
      throw badRequest('key_field_optional', `key: field ${k} must be required (a record needs its whole key).`, {
        field: 'key',
      });
  }
  if (new Set(def.key).size !== def.key.length)
    throw badRequest('duplicate_key_field', 'key: a field is named twice.', { field: 'key' });
  let subject = def.subjectField ?? null;
  if (subject !== null) {
    if (!names.has(subject))
      throw badRequest('unknown_subject_field', `subjectField: ${subject} is not one of the dataset's fields.`, {
        field: 'subjectField',
      });
  } else {
    subject = def.fields.find((f) => f.element === 'citizen_id')?.name ?? null;
  }
  const region = validateDivisionCode(def.coverage.region);
  if (region) throw badRequest('invalid_region', `coverage.region: ${region.message.en}`, { field: 'coverage.region' });
  if (def.coverage.start && def.coverage.end && def.coverage.start > def.coverage.end) {
    throw badRequest('invalid_coverage', 'coverage: start is after end.', { field: 'coverage' });
  }
  if (def.sharingClass === 'not_shared' && !def.legalBasis?.trim()) {
    throw badRequest(
      'legal_basis_required',
      'A dataset that is not shared must cite the legal or policy basis for that (legalBasis).',
      { field: 'legalBasis' },
    );
  }
  return subject;
}

const definitionOf = (d: Dataset): Definition => ({
  title: d.title,
  description: d.description,
  fields: d.fields,
  key: d.key,
  ...(d.subjectField !== null ? { subjectField: d.subjectField } : {}),
  updateFrequency: d.updateFrequency as Definition['updateFrequency'],
  coverage: d.coverage,
  sharingClass: d.sharingClass,
  ...(d.legalBasis !== null ? { legalBasis: d.legalBasis } : {}),
  open: d.open,
  keywords: d.keywords,
});

export async function findDataset(q: Queryable, id: string): Promise<Dataset | undefined> {
  const res = await q.query<Row>('SELECT * FROM datasets WHERE id = $1', [id]);
  return res.rows[0] ? toDataset(res.rows[0]) : undefined;
}

// Access decisions read a dataset's metadata on every request: a short-lived per-database cache spares the
// query. Changes made by this process drop it at once; other processes see them within DATASET_CACHE_MS.
const DATASET_CACHE_MS = 2000;
const datasetCache = new WeakMap<Queryable, Map<string, { at: number; ds: Dataset }>>();

export async function cachedDataset(q: Queryable, id: string): Promise<Dataset> {
  let m = datasetCache.get(q);
  if (!m) datasetCache.set(q, (m = new Map()));
  const hit = m.get(id);
  if (hit && Date.now() - hit.at < DATASET_CACHE_MS) return hit.ds;
  const ds = await requireDataset(q, id);
  m.set(id, { at: Date.now(), ds });
  return ds;
}

const forgetDataset = (q: Queryable, id: string) => datasetCache.get(q)?.delete(id);

/** Loads a dataset or answers 404; no policy check (callers apply their own). */
export async function requireDataset(q: Queryable, id: string): Promise<Dataset> {
  const ds = await findDataset(q, id);
  if (!ds) throw notFound('dataset_not_found', `No dataset with id ${id}.`);
  return ds;
}

export async function getDataset(ctx: Ctx, id: string): Promise<Dataset> {
  requireAuthenticated(ctx);
  return requireDataset(ctx.db, id);
}

export async function createDataset(ctx: Ctx, input: DatasetInput): Promise<Dataset> {
  const caller = callerDepartment(ctx);
  const owner = input.owner ?? caller;
  if (owner === undefined) throw badRequest('owner_required', 'owner: name the owning department.');
  if (owner !== caller && !isAdmin(ctx))
    throw forbidden('not_dataset_owner', 'A department publishes datasets in its own name only.');
  if (!(await findDepartment(ctx.db, owner)))
    throw badRequest('unknown_owner', `owner: no department with id ${owner}.`, { field: 'owner' });
  const subject = await checkDefinition(ctx.db, input);
  return ctx.db
    .transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM datasets WHERE id = $1', [input.id])).rows.length > 0) {
        throw conflict('dataset_exists', `A dataset with id ${input.id} already exists.`);
      }
      const res = await tx.query<Row>(
        `INSERT INTO datasets (id, owner_id, title, description, fields, key_fields, subject_field, update_frequency, coverage,
         sharing_class, legal_basis, open, keywords)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
        [
          input.id,
          owner,
          JSON.stringify(input.title),
          JSON.stringify(input.description),
          JSON.stringify(input.fields),
          JSON.stringify(input.key),
          subject,
          input.updateFrequency,
          JSON.stringify(input.coverage),
          input.sharingClass,
          input.legalBasis ?? null,
          input.open ?? false,
          JSON.stringify(input.keywords ?? []),
        ],
      );
      const ds = toDataset(res.rows[0]!);
      await tx.query(
        'INSERT INTO dataset_versions (dataset_id, version, definition, changed_by) VALUES ($1, 1, $2, $3)',
        [ds.id, JSON.stringify(definitionOf(ds)), caller ?? 'system'],
      );
      return ds;
    })
    .then(async (ds) => {
      await audit(ctx, {
        action: 'catalog.publish',
        outcome: 'ok',
        dataset: ds.id,
        detail: { owner: ds.owner, sharingClass: ds.sharingClass },
      });
      return ds;
    });
}

export async function updateDataset(ctx: Ctx, id: string, patch: DatasetPatch): Promise<Dataset> {
  const current = await getDataset(ctx, id);
  requireCatalogEditor(ctx, current.owner);
  const next: Definition = { ...definitionOf(current), ...patch };
  if (
    patch.fields &&
    !patch.subjectField &&
    current.subjectField &&
    !patch.fields.some((f) => f.name === current.subjectField)
  ) {
    delete next.subjectField;
  }
  const subject = await checkDefinition(ctx.db, next);
  if (current.recordCount > 0 && JSON.stringify(next.key) !== JSON.stringify(current.key)) {
    throw conflict(
      'key_change_with_records',
      'The key of a dataset that already holds records cannot change; publish a new dataset instead.',
    );
  }
  return ctx.db
    .transaction(async (tx) => {
      const res = await tx.query<Row>(
        `UPDATE datasets SET title = $2, description = $3, fields = $4, key_fields = $5, subject_field = $6, update_frequency = $7,
         coverage = $8, sharing_class = $9, legal_basis = $10, open = $11, keywords = $12, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING *`,
        [
          id,
          JSON.stringify(next.title),
          JSON.stringify(next.description),
          JSON.stringify(next.fields),
          JSON.stringify(next.key),
          subject,
          next.updateFrequency,
          JSON.stringify(next.coverage),
          next.sharingClass,
          next.legalBasis ?? null,
          next.open ?? false,
          JSON.stringify(next.keywords ?? []),
        ],
      );
      const ds = toDataset(res.rows[0]!);
      forgetDataset(ctx.db, id);
      await tx.query(
        'INSERT INTO dataset_versions (dataset_id, version, definition, changed_by) VALUES ($1, $2, $3, $4)',
        [ds.id, ds.version, JSON.stringify(definitionOf(ds)), callerDepartment(ctx) ?? 'system'],
      );
      return ds;
    })
    .then(async (ds) => {
      await audit(ctx, {
        action: 'catalog.update',
        outcome: 'ok',
        dataset: ds.id,
        detail: { version: ds.version, changed: Object.keys(patch) },
      });
      return ds;
    });
}

export async function datasetHistory(
  ctx: Ctx,
  id: string,
): Promise<{ version: number; definition: unknown; changedBy: string | null; createdAt: string }[]> {
  await getDataset(ctx, id);
  const res = await ctx.db.query<{ version: number; definition: unknown; changed_by: string | null; created_at: Date }>(
    'SELECT version, definition, changed_by, created_at FROM dataset_versions WHERE dataset_id = $1 ORDER BY version',
    [id],
  );
  return res.rows.map((r) => ({
    version: r.version,
    definition: r.definition,
    changedBy: r.changed_by,
    createdAt: iso(r.created_at),
  }));
}

/** Catalog browse and search. Every authenticated department sees the whole catalog (metadata, not data). */
export async function searchCatalog(ctx: Ctx, query: CatalogQuery): Promise<{ total: number; items: Dataset[] }> {
  requireAuthenticated(ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.q) {
    for (const word of query.q.trim().split(/\s+/).filter(Boolean)) {
      add(
        (p) =>
          `(id || ' ' || (title->>'zh-CN') || ' ' || (title->>'en') || ' ' || (description->>'zh-CN') || ' ' || (description->>'en') || ' ' || keywords::text) ILIKE ${p}`,
        `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      );
    }
  }
  if (query.owner) add((p) => `owner_id = ${p}`, query.owner);
  if (query.sharingClass) add((p) => `sharing_class = ${p}`, query.sharingClass);
  if (query.element) add((p) => `fields @> ${p}::jsonb`, JSON.stringify([{ element: query.element }]));
  if (query.region) add((p) => `starts_with(coverage->>'region', ${p})`, query.region.replace(/0+$/, ''));
  if (query.open !== undefined) add((p) => `open = ${p}`, query.open);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM datasets ${whereSql}`, params);
  const res = await ctx.db.query<Row>(
    `SELECT * FROM datasets ${whereSql} ORDER BY owner_id, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, query.limit ?? 100, query.offset ?? 0],
  );
  return { total: total.rows[0]?.n ?? 0, items: res.rows.map(toDataset) };
}

/** Every dataset, without a policy check (for services that apply their own). */
export async function searchCatalogInternal(q: Queryable): Promise<Dataset[]> {
  const res = await q.query<Row>('SELECT * FROM datasets ORDER BY id');
  return res.rows.map(toDataset);
}
