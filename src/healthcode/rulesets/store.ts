// Stored, versioned rule sets. A published version is immutable; the one in force for a region at a time is the
// highest version (by semver) whose validity period contains the time.
import { canonicalJson } from '../../core/canonical-json.js';
import { Problem, conflict, notFound, unprocessable } from '../../core/problem.js';
import type { Queryable } from '../../db/types.js';
import { BASELINE_RULESET, validateRuleSet } from '../rules/index.js';
import type { RuleSet } from '../rules/index.js';

import { compareVersions } from './semver.js';

export { compareVersions };

export interface StoredRuleSet {
  ruleSet: RuleSet;
  publishedBy: string;
  publishedAt: string;
}

interface Row {
  doc: RuleSet;
  published_by: string;
  published_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();
/** A rule set's validFrom/validTo as a timestamp: a bare date is its midnight UTC, as CertLogic reads dates (not the session's zone). */
const instant = (v: string): string => new Date(v).toISOString();
/** The same rule set whatever the key order (jsonb stores keys in an order of its own). */
const sameDoc = (a: RuleSet, b: RuleSet): boolean => canonicalJson(a) === canonicalJson(b);
const stored = (r: Row): StoredRuleSet => ({
  ruleSet: r.doc,
  publishedBy: r.published_by,
  publishedAt: iso(r.published_at),
});

/** Publishes a rule set (validated first). A version once published cannot change: publishing it again with a different body is a conflict. */
export async function publishRuleSet(q: Queryable, rs: RuleSet, by: string): Promise<StoredRuleSet> {
  const issues = validateRuleSet(rs);
  if (issues.length > 0) {
    throw unprocessable('invalid_rule_set', `The rule set is not valid: ${issues.slice(0, 5).join('; ')}`, { issues });
  }
  const existing = await getRuleSet(q, rs.id, rs.version).catch((err: unknown) => {
    if (err instanceof Problem && err.status === 404) return undefined;
    throw err;
  });
  if (existing) {
    if (sameDoc(existing.ruleSet, rs)) return existing;
    throw conflict(
      'rule_set_version_exists',
      `Rule set ${rs.id} version ${rs.version} is already published with different content; publish a new version.`,
    );
  }
  const res = await q.query<Row>(
    `INSERT INTO rule_sets (id, version, region, valid_from, valid_to, doc, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id, version) DO NOTHING RETURNING doc, published_by, published_at`,
    [rs.id, rs.version, rs.region, instant(rs.validFrom), instant(rs.validTo), JSON.stringify(rs), by],
  );
  if (res.rows[0]) return stored(res.rows[0]);
  // Published concurrently: the same content is fine, a different one is the same conflict as above.
  const raced = await getRuleSet(q, rs.id, rs.version);
  if (sameDoc(raced.ruleSet, rs)) return raced;
  throw conflict(
    'rule_set_version_exists',
    `Rule set ${rs.id} version ${rs.version} is already published with different content; publish a new version.`,
  );
}

/**
 * Stores the baseline rule set when it is missing (every node starts with it). A node of a region outside
 * Guangdong also gets the same rules under its own region (`BASELINE-<region>`), so it has a set in force until
 * it publishes its own.
 */
export async function seedBaselineRuleSet(q: Queryable, region?: string): Promise<void> {
  const sets = [BASELINE_RULESET];
  if (region && region.slice(0, 2) !== BASELINE_RULESET.region.slice(0, 2))
    sets.push({ ...BASELINE_RULESET, id: `BASELINE-${region}`, region });
  for (const rs of sets) {
    await q.query(
      `INSERT INTO rule_sets (id, version, region, valid_from, valid_to, doc, published_by) VALUES ($1, $2, $3, $4, $5, $6, 'system:baseline')
       ON CONFLICT (id, version) DO NOTHING`,
      [rs.id, rs.version, rs.region, rs.validFrom, rs.validTo, JSON.stringify(rs)],
    );
  }
}

export async function getRuleSet(q: Queryable, id: string, version: string): Promise<StoredRuleSet> {
  const res = await q.query<Row>(
    'SELECT doc, published_by, published_at FROM rule_sets WHERE id = $1 AND version = $2',
    [id, version],
  );
  if (!res.rows[0]) throw notFound('rule_set_not_found', `No rule set ${id} version ${version}.`);
  return stored(res.rows[0]);
}

/** Every stored rule set, newest publication first; optionally one region's. */
export async function listRuleSets(q: Queryable, region?: string): Promise<StoredRuleSet[]> {
  const res = region
    ? await q.query<Row>(
        'SELECT doc, published_by, published_at FROM rule_sets WHERE region = $1 ORDER BY published_at DESC, id, version',
        [region],
      )
    : await q.query<Row>(
        'SELECT doc, published_by, published_at FROM rule_sets ORDER BY published_at DESC, id, version',
      );
  return res.rows.map(stored);
}

/**
 * The rule set in force for a region at a time: the highest version valid then. A region without its own set
 * falls back to its province's (the first two digits + '0000').
 */
export async function ruleSetInForce(
  q: Queryable,
  region: string,
  at: Date = new Date(),
): Promise<RuleSet | undefined> {
  const regions = [...new Set([region, `${region.slice(0, 4)}00`, `${region.slice(0, 2)}0000`])];
  const res = await q.query<{ doc: RuleSet; region: string }>(
    'SELECT doc, region FROM rule_sets WHERE region = ANY($1::text[]) AND valid_from <= $2 AND valid_to > $2',
    [regions, at.toISOString()],
  );
  for (const r of regions) {
    const candidates = res.rows.filter((x) => x.region === r).map((x) => x.doc);
    if (candidates.length > 0) return candidates.sort((a, b) => compareVersions(b.version, a.version))[0];
  }
  return undefined;
}
