import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, requireAuthenticated } from '../access/policy.js';
import { requireDataset } from '../catalog/service.js';
import { newId } from '../core/ids.js';
import { badRequest, conflict, forbidden, notFound } from '../core/problem.js';
import { handleFor, resolveGrantHandle } from '../records/read.js';
import { liveGrants } from './service.js';

// Error reports name a record by its stored key internally (corrections.record_key) and never show it: each viewer
// sees the record's handle valid for them (the reporter's through the grant it reported under, or the owner's).

export interface Correction {
  id: string;
  dataset: string;
  handle: string; // the record's handle for the viewer
  grant: string;
  reporter: string;
  field: string | null;
  description: string;
  status: 'open' | 'fixed' | 'rejected';
  answer: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  dataset_id: string;
  record_key: string;
  grant_id: string;
  reporter_id: string;
  field: string | null;
  description: string;
  status: Correction['status'];
  answer: string | null;
  answered_by: string | null;
  answered_at: Date | null;
  created_at: Date;
}

const toCorrection = (r: Row, handle: string): Correction => ({
  id: r.id,
  dataset: r.dataset_id,
  handle,
  grant: r.grant_id,
  reporter: r.reporter_id,
  field: r.field,
  description: r.description,
  status: r.status,
  answer: r.answer,
  answeredBy: r.answered_by,
  answeredAt: r.answered_at ? new Date(r.answered_at).toISOString() : null,
  createdAt: new Date(r.created_at).toISOString(),
});

/** The handle a viewer sees for the record of a report: its reporter's through the grant, anyone else the owner's. */
function viewerHandle(ctx: Ctx, r: Row, owner: string): string {
  const dept = ctx.principal.kind === 'department' ? ctx.principal.departmentId : undefined;
  return dept === r.reporter_id
    ? handleFor(ctx, r.dataset_id, r.record_key, { grant: r.grant_id, consumer: r.reporter_id })
    : handleFor(ctx, r.dataset_id, r.record_key, { owner });
}

/**
 * A consumer reports a suspected error in a record it receives through a live grant, naming it by the handle it
 * received; the owner must answer. The report is filed under the grant whose handle it is.
 */
export async function reportError(
  ctx: Ctx,
  datasetId: string,
  handle: string,
  input: { field?: string | undefined; description: string },
): Promise<Correction> {
  const dept = callerDepartment(ctx);
  if (dept === undefined) throw forbidden('department_token_required', 'Corrections are reported by departments.');
  const ds = await requireDataset(ctx.db, datasetId);
  const grants = await liveGrants(ctx.db, dept, ds.id);
  if (grants.length === 0)
    throw forbidden(
      'no_grant',
      `Department ${dept} has no live grant on ${ds.id}; only recipients of the data report errors in it.`,
    );
  const found = await resolveGrantHandle(ctx, dept, ds, grants, handle);
  if (!found)
    throw notFound('record_not_found', `Dataset ${ds.id} has no current record with this handle that you may see.`);
  const { grant, storedKey: stored } = found;
  if (input.field !== undefined && !grants.some((g) => g.fields.includes(input.field!)))
    throw badRequest('field_not_granted', `${input.field} is not a field of your grant.`);
  const id = newId('cor');
  const res = await ctx.db.query<Row>(
    `INSERT INTO corrections (id, dataset_id, record_key, grant_id, reporter_id, field, description, status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING *`,
    [id, ds.id, stored, grant.id, dept, input.field ?? null, input.description],
  );
  await audit(ctx, {
    action: 'corrections.report',
    outcome: 'ok',
    dataset: ds.id,
    grant: grant.id,
    ...(input.field ? { fields: [input.field] } : {}),
    detail: { correction: id },
  });
  return toCorrection(res.rows[0]!, handle);
}

/** The owner answers: fixed (after re-ingesting the corrected record) or rejected with a reason. */
export async function answerCorrection(
  ctx: Ctx,
  id: string,
  input: { status: 'fixed' | 'rejected'; answer: string },
): Promise<Correction> {
  const dept = callerDepartment(ctx);
  const res = await ctx.db.query<Row>('SELECT * FROM corrections WHERE id = $1', [id]);
  const c = res.rows[0];
  if (!c) throw notFound('correction_not_found', `No correction report ${id}.`);
  const ds = await requireDataset(ctx.db, c.dataset_id);
  if (dept !== undefined && dept !== ds.owner)
    throw forbidden('not_dataset_owner', `Only the owning department (${ds.owner}) answers corrections to ${ds.id}.`);
  if (c.status !== 'open') throw conflict('invalid_state', `The correction was already answered (${c.status}).`);
  const updated = await ctx.db.query<Row>(
    `UPDATE corrections SET status = $2, answer = $3, answered_by = $4, answered_at = now() WHERE id = $1 RETURNING *`,
    [id, input.status, input.answer, dept ?? 'system'],
  );
  await audit(ctx, {
    action: `corrections.${input.status}`,
    outcome: 'ok',
    dataset: ds.id,
    reason: input.answer,
    detail: { correction: id },
  });
  return toCorrection(updated.rows[0]!, viewerHandle(ctx, updated.rows[0]!, ds.owner));
}

export async function listCorrections(
  ctx: Ctx,
  q: {
    role?: 'owner' | 'reporter' | undefined;
    status?: Correction['status'] | undefined;
    dataset?: string | undefined;
  },
): Promise<Correction[]> {
  requireAuthenticated(ctx);
  const dept = callerDepartment(ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  if (dept !== undefined) {
    params.push(dept);
    const p = `$${params.length}`;
    where.push(
      q.role === 'reporter'
        ? `c.reporter_id = ${p}`
        : q.role === 'owner'
          ? `d.owner_id = ${p}`
          : `(c.reporter_id = ${p} OR d.owner_id = ${p})`,
    );
  }
  if (q.status) {
    params.push(q.status);
    where.push(`c.status = $${params.length}`);
  }
  if (q.dataset) {
    params.push(q.dataset);
    where.push(`c.dataset_id = $${params.length}`);
  }
  const res = await ctx.db.query<Row & { owner_id: string }>(
    `SELECT c.*, d.owner_id FROM corrections c JOIN datasets d ON d.id = c.dataset_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.created_at DESC LIMIT 500`,
    params,
  );
  return res.rows.map((r) => toCorrection(r, viewerHandle(ctx, r, r.owner_id)));
}

/** Corrections about one record, shown with its history under the handle the viewer asked with. */
export async function correctionsOf(
  ctx: Ctx,
  datasetId: string,
  storedRecordKey: string,
  handle: string,
): Promise<Correction[]> {
  const res = await ctx.db.query<Row>(
    'SELECT * FROM corrections WHERE dataset_id = $1 AND record_key = $2 ORDER BY created_at',
    [datasetId, storedRecordKey],
  );
  return res.rows.map((r) => toCorrection(r, handle));
}
