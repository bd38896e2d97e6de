/** Checking a rule set (typically loaded as JSON) before it is published or used. */
import { dataAccesses } from 'certlogic-js/dist/validation/index.js';
import type { CertLogicExpression } from 'certlogic-js';
import { validateRule } from './certlogic.js';
import { FACT_ARRAYS } from './types.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REGION = /^\d{6}$/;
// semver.org 2.0.0, the recommended regular expression.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
/** The top-level names a rule may read (facts.ts). */
const FACT_NAMES: ReadonlySet<string> = new Set(['now', ...FACT_ARRAYS]);
const EVIDENCE_NAMES: ReadonlySet<string> = new Set(FACT_ARRAYS);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isText = (x: unknown): boolean => typeof x === 'string' && x.trim() !== '';

function timeOf(x: unknown): number | undefined {
  if (typeof x !== 'string' || !ISO_TIME.test(x)) return undefined;
  const t = Date.parse(x);
  return Number.isNaN(t) ? undefined : t;
}

function textProblems(where: string, x: unknown): string[] {
  if (!isRecord(x)) return [`${where}: description must have zh-CN and en texts`];
  return (['zh-CN', 'en'] as const).flatMap((lang) =>
    isText(x[lang]) ? [] : [`${where}: description.${lang} is missing or empty`],
  );
}

function logicProblems(where: string, logic: unknown): string[] {
  if (logic === undefined) return [`${where}: logic is missing`];
  const issues = validateRule(logic);
  if (issues.length > 0) return issues.map((i) => `${where}: logic: ${i.message} (in ${JSON.stringify(i.expr)})`);
  return dataAccesses(logic as CertLogicExpression)
    .filter((path) => !FACT_NAMES.has(path.split('.')[0] ?? ''))
    .map((path) => `${where}: logic reads "${path}", which is not a fact (${[...FACT_NAMES].join(', ')})`);
}

function ruleProblems(rule: unknown, index: number, seen: Set<string>): string[] {
  if (!isRecord(rule)) return [`rules[${index}]: not an object`];
  const id = rule['id'];
  const where = typeof id === 'string' ? `rule ${id}` : `rules[${index}]`;
  const problems: string[] = [];
  if (typeof id !== 'string' || !ID.test(id))
    problems.push(`${where}: id must be 1-64 letters, digits, ".", "_" or "-"`);
  else if (seen.has(id)) problems.push(`${where}: duplicate rule id`);
  else seen.add(id);
  if (rule['colour'] !== 'yellow' && rule['colour'] !== 'red')
    problems.push(`${where}: colour must be "yellow" or "red"`);
  problems.push(...textProblems(where, rule['description']), ...logicProblems(where, rule['logic']));
  const evidence = rule['evidence'];
  if (evidence !== undefined) {
    if (!Array.isArray(evidence)) problems.push(`${where}: evidence must be a list of fact names`);
    else
      for (const e of evidence) {
        if (typeof e !== 'string' || !EVIDENCE_NAMES.has(e))
          problems.push(`${where}: evidence ${JSON.stringify(e)} is not one of ${FACT_ARRAYS.join(', ')}`);
      }
  }
  return problems;
}

/** Every problem of a rule set, as readable messages; an empty list means it is valid. */
export function validateRuleSet(rs: unknown): string[] {
  if (!isRecord(rs)) return ['rule set must be an object'];
  const problems: string[] = [];
  if (typeof rs['id'] !== 'string' || !ID.test(rs['id']))
    problems.push('id must be 1-64 letters, digits, ".", "_" or "-"');
  if (typeof rs['version'] !== 'string' || !SEMVER.test(rs['version']))
    problems.push(`version ${JSON.stringify(rs['version'])} is not a semantic version (e.g. 1.0.0)`);
  if (typeof rs['region'] !== 'string' || !REGION.test(rs['region']))
    problems.push(`region ${JSON.stringify(rs['region'])} is not a 6-digit GB/T 2260 code`);
  const from = timeOf(rs['validFrom']);
  const to = timeOf(rs['validTo']);
  if (from === undefined)
    problems.push(`validFrom ${JSON.stringify(rs['validFrom'])} is not an ISO 8601 date or date-time`);
  if (to === undefined) problems.push(`validTo ${JSON.stringify(rs['validTo'])} is not an ISO 8601 date or date-time`);
  if (from !== undefined && to !== undefined && from >= to) problems.push('validFrom must be before validTo');
  problems.push(...textProblems('rule set', rs['description']));
  const rules = rs['rules'];
  if (!Array.isArray(rules) || rules.length === 0) return [...problems, 'rules must be a non-empty list'];
  const seen = new Set<string>();
  rules.forEach((rule: unknown, i) => problems.push(...ruleProblems(rule, i, seen)));
  return problems;
}
