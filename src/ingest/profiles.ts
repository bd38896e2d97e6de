import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, requireDataWriter } from '../access/policy.js';
import { requireDataset } from '../catalog/service.js';
import { notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { loadElementMap } from '../standard/registry.js';
import { compileMapping } from './mapping.js';
import type { MappingProfile, MappingSpec } from './schema.js';

interface Row {
  dataset_id: string;
  name: string;
  spec: MappingSpec;
  created_at: Date | string;
  updated_at: Date | string;
}

const toProfile = (r: Row): MappingProfile => ({
  dataset: r.dataset_id,
  name: r.name,
  spec: r.spec,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** A profile as its dataset's owner sees it. */
export async function readProfile(ctx: Ctx, datasetId: string, name: string): Promise<MappingProfile> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataWriter(ctx, ds.owner);
  return getProfile(ctx.db, datasetId, name);
}

export async function getProfile(q: Queryable, datasetId: string, name: string): Promise<MappingProfile> {
  const res = await q.query<Row>('SELECT * FROM mapping_profiles WHERE dataset_id = $1 AND name = $2', [
    datasetId,
    name,
  ]);
  if (!res.rows[0]) throw notFound('profile_not_found', `Dataset ${datasetId} has no mapping profile named ${name}.`);
  return toProfile(res.rows[0]);
}

/** Creates or replaces a mapping profile; the spec is compiled first so a broken profile is refused with 400. */
export async function putProfile(
  ctx: Ctx,
  datasetId: string,
  name: string,
  spec: MappingSpec,
): Promise<MappingProfile> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataWriter(ctx, ds.owner);
  const elements = await loadElementMap(ctx.db);
  compileMapping(
    spec,
    ds.fields.map((f) => ({ name: f.name, type: elements.get(f.element)?.type ?? 'string' })),
  );
  const res = await ctx.db.query<Row>(
    `INSERT INTO mapping_profiles (dataset_id, name, spec, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (dataset_id, name) DO UPDATE SET spec = EXCLUDED.spec, updated_at = now()
     RETURNING *`,
    [datasetId, name, JSON.stringify(spec), callerDepartment(ctx) ?? 'system'],
  );
  await audit(ctx, { action: 'ingest.profile_saved', outcome: 'ok', dataset: datasetId, detail: { profile: name } });
  return toProfile(res.rows[0]!);
}

export async function listProfiles(ctx: Ctx, datasetId: string): Promise<MappingProfile[]> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataWriter(ctx, ds.owner);
  const res = await ctx.db.query<Row>('SELECT * FROM mapping_profiles WHERE dataset_id = $1 ORDER BY name', [
    datasetId,
  ]);
  return res.rows.map(toProfile);
}

export async function deleteProfile(ctx: Ctx, datasetId: string, name: string): Promise<void> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataWriter(ctx, ds.owner);
  const res = await ctx.db.query('DELETE FROM mapping_profiles WHERE dataset_id = $1 AND name = $2', [datasetId, name]);
  if (res.rowCount === 0)
    throw notFound('profile_not_found', `Dataset ${datasetId} has no mapping profile named ${name}.`);
  await audit(ctx, { action: 'ingest.profile_deleted', outcome: 'ok', dataset: datasetId, detail: { profile: name } });
}
