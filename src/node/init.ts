import { makeCtx, audit } from '../access/context.js';
import { systemPrincipal } from '../access/principal.js';
import { insertToken } from '../auth/tokens.js';
import { conflict } from '../core/problem.js';
import type { DepartmentInput } from '../departments/schema.js';
import { insertDepartment } from '../departments/service.js';
import type { Platform } from '../platform/platform.js';

export interface InitInput {
  departmentId: string;
  nameZh: string;
  nameEn: string;
  creditCode: string;
  region: string;
}

export interface InitResult {
  departmentId: string;
  tokenId: string;
  /** The administrator's API token: shown once, stored only as a hash. */
  token: string;
}

/** GB/T 2260: a code ending in 0000 is a province, in 00 a city (prefecture), else a county or district. */
export function levelOfRegion(region: string): DepartmentInput['level'] {
  if (region === '100000') return 'national';
  if (region.endsWith('0000')) return 'provincial';
  if (region.endsWith('00')) return 'city';
  return 'district';
}

/**
 * The production first start: creates the data-center department (role admin) and its first administrator token.
 * Refuses once any administrator exists, so the credential cannot be minted again by whoever can reach the database
 * files; later tokens are issued through the API by that administrator.
 */
export async function initNode(platform: Platform, input: InitInput): Promise<InitResult> {
  const ctx = makeCtx(platform, systemPrincipal('init'));
  const created = await platform.db.transaction(async (tx) => {
    // Two `govshare init` at once: the second waits here, then sees the first one's administrator.
    await tx.query('LOCK TABLE departments IN SHARE ROW EXCLUSIVE MODE');
    const admins = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM departments WHERE role = 'admin'");
    if ((admins.rows[0]?.n ?? 0) > 0)
      throw conflict(
        'admin_exists',
        'This node already has an administrator department: init runs only once. Issue further tokens with `govshare departments token` as that administrator.',
      );
    const d = await insertDepartment(tx, {
      id: input.departmentId,
      name: { 'zh-CN': input.nameZh, en: input.nameEn },
      creditCode: input.creditCode,
      level: levelOfRegion(input.region),
      region: input.region,
      role: 'admin',
    });
    const t = await insertToken(tx, d.id, 'init', 'system:init');
    return { department: d, token: t };
  });
  await audit(ctx, {
    action: 'departments.create',
    outcome: 'ok',
    detail: { department: created.department.id, role: created.department.role },
  });
  await audit(ctx, {
    action: 'tokens.issue',
    outcome: 'ok',
    detail: { department: created.department.id, token: created.token.id, name: 'init' },
  });
  return { departmentId: created.department.id, tokenId: created.token.id, token: created.token.token };
}
