// The rule-set capability as callers see it: reading is public (people may see the rules that give their colour),
// publishing is for data-center administrators and is audited. The baseline is stored on first use.
import { audit, type Ctx } from '../../access/context.js';
import { requireAdmin } from '../../access/policy.js';
import { notFound, unprocessable } from '../../core/problem.js';
import type { Db } from '../../db/types.js';
import { validateDivisionCode } from '../../standard/index.js';
import { validateRuleSet, type RuleSet } from '../rules/index.js';
import {
  getRuleSet,
  listRuleSets,
  publishRuleSet,
  ruleSetInForce,
  seedBaselineRuleSet,
  type StoredRuleSet,
} from './store.js';

// Databases whose baseline is stored (or being stored) by this process. The insert is idempotent, so several
// processes (and the node's start-up) may each do it once.
const seeded = new WeakMap<Db, Promise<void>>();

/** Stores the baseline rule set in this database once per process (idempotent). */
export function ensureBaselineRuleSet(db: Db): Promise<void> {
  let p = seeded.get(db);
  if (!p) {
    p = seedBaselineRuleSet(db).catch((err: unknown) => {
      seeded.delete(db); // try again next time
      throw err;
    });
    seeded.set(db, p);
  }
  return p;
}

/** Every stored rule set, newest publication first; optionally one region's. Public. */
export async function listPublishedRuleSets(ctx: Ctx, region?: string): Promise<StoredRuleSet[]> {
  await ensureBaselineRuleSet(ctx.db);
  return listRuleSets(ctx.db, region);
}

/** One published version. Public. */
export async function showRuleSet(ctx: Ctx, id: string, version: string): Promise<StoredRuleSet> {
  await ensureBaselineRuleSet(ctx.db);
  return getRuleSet(ctx.db, id, version);
}

/**
 * The rule set in force for a region (default: the node's region) at a time (default: now); a region without a
 * set of its own falls back to its city's, then its province's. 404 when none applies. Public.
 */
export async function inForceRuleSet(ctx: Ctx, region?: string, at?: Date): Promise<StoredRuleSet> {
  await ensureBaselineRuleSet(ctx.db);
  const where = region ?? ctx.platform.settings.region;
  const when = at ?? new Date();
  const rs = await ruleSetInForce(ctx.db, where, when);
  if (!rs)
    throw notFound('no_rule_set_in_force', `No rule set is in force for region ${where} at ${when.toISOString()}.`);
  return getRuleSet(ctx.db, rs.id, rs.version);
}

/**
 * Publishes a rule set (data-center administrator). The same id and version with the same content again is
 * accepted (`created: false`); with different content it is a conflict (409); an invalid set is refused (422)
 * with every problem the validator found.
 */
export async function publishNewRuleSet(ctx: Ctx, rs: RuleSet): Promise<{ stored: StoredRuleSet; created: boolean }> {
  requireAdmin(ctx);
  const issues = validateRuleSet(rs);
  if (typeof rs.region === 'string' && /^\d{6}$/.test(rs.region)) {
    const issue = validateDivisionCode(rs.region);
    if (issue) issues.push(`region ${rs.region}: ${issue.message.en}`);
  }
  if (issues.length > 0) {
    throw unprocessable(
      'invalid_rule_set',
      `The rule set is not valid: ${issues.slice(0, 5).join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`,
      { issues },
    );
  }
  await ensureBaselineRuleSet(ctx.db);
  const before = await ctx.db.query('SELECT 1 FROM rule_sets WHERE id = $1 AND version = $2', [rs.id, rs.version]);
  const by =
    ctx.principal.kind === 'department'
      ? ctx.principal.departmentId
      : `system:${ctx.principal.kind === 'system' ? ctx.principal.reason : 'unknown'}`;
  const stored = await publishRuleSet(ctx.db, rs, by);
  const created = before.rows.length === 0;
  if (created) {
    await audit(ctx, {
      action: 'healthcode.ruleset.publish',
      outcome: 'ok',
      detail: {
        ruleSet: rs.id,
        version: rs.version,
        region: rs.region,
        validFrom: rs.validFrom,
        validTo: rs.validTo,
        rules: rs.rules.map((r) => r.id),
      },
    });
  }
  return { stored, created };
}
