import { isAdmin, requireAdmin, requireAuthenticated } from '../access/policy.js';
import { audit, type Ctx } from '../access/context.js';
import { badRequest, conflict, notFound } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { validateCreditCode, validateDivisionCode } from '../standard/index.js';
import type { Department, DepartmentInput, DepartmentPatch } from './schema.js';

interface Row {
  id: string;
  name_zh: string;
  name_en: string;
  credit_code: string;
  level: Department['level'];
  region: string;
  role: Department['role'];
  contact: Department['contact'];
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

const toDepartment = (r: Row): Department => ({
  id: r.id,
  name: { 'zh-CN': r.name_zh, en: r.name_en },
  creditCode: r.credit_code,
  level: r.level,
  region: r.region,
  role: r.role,
  contact: r.contact ?? {},
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

function checkIdentifiers(input: { creditCode?: string | undefined; region?: string | undefined }): void {
  if (input.creditCode !== undefined) {
    const issue = validateCreditCode(input.creditCode);
    if (issue)
      throw badRequest('invalid_credit_code', `creditCode: ${issue.message.en}`, {
        field: 'creditCode',
        reason: issue.code,
      });
  }
  if (input.region !== undefined) {
    const issue = validateDivisionCode(input.region);
    if (issue)
      throw badRequest('invalid_region', `region: ${issue.message.en}`, { field: 'region', reason: issue.code });
  }
}

/** Inserts a department without a policy check: for the node's own bootstrap and the demo builder. */
export async function insertDepartment(q: Queryable, raw: DepartmentInput): Promise<Department> {
  const input = { ...raw, creditCode: raw.creditCode.toUpperCase() };
  checkIdentifiers(input);
  const existing = await q.query<{ id: string; credit_code: string }>(
    'SELECT id, credit_code FROM departments WHERE id = $1 OR credit_code = $2',
    [input.id, input.creditCode],
  );
  if (existing.rows.length > 0) {
    const clash = existing.rows[0]!.id === input.id ? `id ${input.id}` : `credit code ${input.creditCode}`;
    throw conflict('department_exists', `A department with ${clash} already exists.`);
  }
  const res = await q.query<Row>(
    `INSERT INTO departments (id, name_zh, name_en, credit_code, level, region, role, contact)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      input.id,
      input.name['zh-CN'],
      input.name.en,
      input.creditCode,
      input.level,
      input.region,
      input.role ?? 'department',
      JSON.stringify(input.contact ?? {}),
    ],
  );
  return toDepartment(res.rows[0]!);
}

export async function createDepartment(ctx: Ctx, input: DepartmentInput): Promise<Department> {
  requireAdmin(ctx);
  const d = await insertDepartment(ctx.db, input);
  await audit(ctx, { action: 'departments.create', outcome: 'ok', detail: { department: d.id, role: d.role } });
  return d;
}

export async function listDepartments(ctx: Ctx): Promise<Department[]> {
  requireAuthenticated(ctx);
  const res = await ctx.db.query<Row>('SELECT * FROM departments ORDER BY id');
  return res.rows.map(toDepartment);
}

export async function findDepartment(q: Queryable, id: string): Promise<Department | undefined> {
  const res = await q.query<Row>('SELECT * FROM departments WHERE id = $1', [id]);
  return res.rows[0] ? toDepartment(res.rows[0]) : undefined;
}

export async function getDepartment(ctx: Ctx, id: string): Promise<Department> {
  requireAuthenticated(ctx);
  const dept = await findDepartment(ctx.db, id);
  if (!dept) throw notFound('department_not_found', `No department with id ${id}.`);
  return dept;
}

export async function updateDepartment(ctx: Ctx, id: string, patch: DepartmentPatch): Promise<Department> {
  const p = requireAuthenticated(ctx);
  // A department keeps its own contact details; everything else is the administrator's.
  const self = p.kind === 'department' && p.departmentId === id;
  if (!isAdmin(ctx) && !(self && Object.keys(patch).every((k) => k === 'contact'))) requireAdmin(ctx);
  const current = await getDepartment(ctx, id);
  if (patch.creditCode) patch = { ...patch, creditCode: patch.creditCode.toUpperCase() };
  checkIdentifiers(patch);
  const next = { ...current, ...patch, name: patch.name ?? current.name, contact: patch.contact ?? current.contact };
  try {
    const res = await ctx.db.query<Row>(
      `UPDATE departments SET name_zh = $2, name_en = $3, credit_code = $4, level = $5, region = $6, contact = $7, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, next.name['zh-CN'], next.name.en, next.creditCode, next.level, next.region, JSON.stringify(next.contact)],
    );
    const d = toDepartment(res.rows[0]!);
    await audit(ctx, {
      action: 'departments.update',
      outcome: 'ok',
      detail: { department: id, changed: Object.keys(patch) },
    });
    return d;
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw conflict('department_exists', `Credit code ${next.creditCode} is already registered.`);
    throw err;
  }
}

/** The caller's own department, for `GET /api/v1/me`. */
export async function whoAmI(ctx: Ctx): Promise<{ department: Department; role: string; tokenId: string }> {
  const p = requireAuthenticated(ctx);
  if (p.kind !== 'department') throw badRequest('not_a_department', 'Only a department token has an identity to show.');
  return { department: await getDepartment(ctx, p.departmentId), role: p.role, tokenId: p.tokenId };
}
