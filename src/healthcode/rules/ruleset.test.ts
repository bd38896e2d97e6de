import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_RULESET } from './baseline.js';
import { RuleEvaluationError, evaluateRuleSet, validateRuleSet } from './ruleset.js';
import type { PersonFacts } from './facts.js';
import type { Rule, RuleSet } from './types.js';

const FACTS: PersonFacts = {
  now: '2022-05-20T08:00:00Z',
  tests: [],
  cases: [],
  contacts: [],
  quarantine: [],
  visits: [],
  symptoms: [],
};
const copy = (): RuleSet => structuredClone(BASELINE_RULESET);
const rule = (over: Partial<Rule>): Rule => ({
  id: 'r',
  colour: 'yellow',
  description: { 'zh-CN': '规则', en: 'rule' },
  logic: true,
  ...over,
});

describe('validateRuleSet', () => {
  test('the baseline is valid, also as JSON', () => {
    assert.deepEqual(validateRuleSet(BASELINE_RULESET), []);
    assert.deepEqual(validateRuleSet(JSON.parse(JSON.stringify(BASELINE_RULESET))), []);
  });

  test('the baseline has its identity and a rule of each colour', () => {
    assert.equal(BASELINE_RULESET.id, 'GD-HEALTHCODE');
    assert.equal(BASELINE_RULESET.version, '1.0.0');
    assert.equal(BASELINE_RULESET.region, '440000');
    assert.deepEqual([...new Set(BASELINE_RULESET.rules.map((r) => r.colour))].sort(), ['red', 'yellow']);
  });

  const broken: [string, (rs: RuleSet) => unknown, RegExp][] = [
    ['a bad rule-set id', (rs) => ({ ...rs, id: 'GD HEALTHCODE' }), /^id must be/],
    ['a bad semver', (rs) => ({ ...rs, version: '1.0' }), /version "1.0" is not a semantic version/],
    ['a semver with a leading zero', (rs) => ({ ...rs, version: '01.0.0' }), /not a semantic version/],
    ['a region of 5 digits', (rs) => ({ ...rs, region: '44000' }), /region "44000" is not a 6-digit/],
    ['a region that is not digits', (rs) => ({ ...rs, region: 'GD0000' }), /not a 6-digit/],
    ['validFrom equal to validTo', (rs) => ({ ...rs, validTo: rs.validFrom }), /validFrom must be before validTo/],
    ['validFrom after validTo', (rs) => ({ ...rs, validFrom: '2033-01-01' }), /validFrom must be before validTo/],
    ['an unparseable validTo', (rs) => ({ ...rs, validTo: 'never' }), /validTo "never" is not an ISO 8601/],
    [
      'a missing English description',
      (rs) => ({ ...rs, description: { 'zh-CN': '规则' } }),
      /^rule set: description.en/,
    ],
    ['no rules', (rs) => ({ ...rs, rules: [] }), /rules must be a non-empty list/],
    [
      'a duplicate rule id',
      (rs) => ({ ...rs, rules: [...rs.rules, rs.rules[0]] }),
      /rule red.case-confirmed: duplicate rule id/,
    ],
    ['a bad rule id', (rs) => ({ ...rs, rules: [rule({ id: 'red case' })] }), /rule red case: id must be/],
    [
      'a green rule',
      (rs) => ({ ...rs, rules: [rule({ colour: 'green' as 'red' })] }),
      /rule r: colour must be "yellow" or "red"/,
    ],
    [
      'an empty zh-CN text',
      (rs) => ({ ...rs, rules: [rule({ description: { 'zh-CN': ' ', en: 'x' } })] }),
      /rule r: description.zh-CN is missing/,
    ],
    [
      'a missing description',
      (rs) => ({ ...rs, rules: [{ ...rule({}), description: undefined }] }),
      /rule r: description must have/,
    ],
    [
      'an unknown operator',
      (rs) => ({ ...rs, rules: [rule({ logic: { or: [true, false] } })] }),
      /rule r: logic: unrecognised operator: "or"/,
    ],
    ['a malformed var', (rs) => ({ ...rs, rules: [rule({ logic: { var: 1 } })] }), /rule r: logic: not of the form/],
    [
      'a non-integer number',
      (rs) => ({ ...rs, rules: [rule({ logic: { '===': [1.5, 1] } })] }),
      /1.5 is a non-integer number/,
    ],
    ['a missing logic', (rs) => ({ ...rs, rules: [{ ...rule({}), logic: undefined }] }), /rule r: logic is missing/],
    [
      'a read of a fact that does not exist',
      (rs) => ({ ...rs, rules: [rule({ logic: { '===': [{ var: 'test.0.result' }, 'positive'] } })] }),
      /rule r: logic reads "test.0.result", which is not a fact/,
    ],
    [
      'an unknown evidence name',
      (rs) => ({ ...rs, rules: [rule({ evidence: ['tests', 'vaccinations'] })] }),
      /rule r: evidence "vaccinations" is not one of/,
    ],
    ['a rule that is not an object', (rs) => ({ ...rs, rules: ['red'] }), /rules\[0\]: not an object/],
  ];
  for (const [what, breakIt, problem] of broken) {
    test(`catches ${what}`, () => {
      const problems = validateRuleSet(breakIt(copy()));
      assert.ok(
        problems.some((p) => problem.test(p)),
        `expected ${problem} in ${JSON.stringify(problems)}`,
      );
    });
  }

  test('a rule set that is not an object', () =>
    assert.deepEqual(validateRuleSet('GD'), ['rule set must be an object']));
});

describe('evaluateRuleSet', () => {
  test('green when no rule fires, strictest colour otherwise, reasons red first in rule order', () => {
    const rs: RuleSet = {
      ...copy(),
      rules: [
        rule({ id: 'y1', logic: { '===': [{ var: 'now' }, 'y'] } }),
        rule({ id: 'r1', colour: 'red', logic: { '===': [{ var: 'now' }, 'r'] } }),
        rule({ id: 'y2', logic: { in: [{ var: 'now' }, ['y', 'r']] } }),
        rule({ id: 'r2', colour: 'red', logic: { '===': [{ var: 'now' }, 'r'] } }),
      ],
    };
    assert.deepEqual(evaluateRuleSet(rs, { ...FACTS, now: 'g' }), { colour: 'green', reasons: [] });
    assert.deepEqual(
      evaluateRuleSet(rs, { ...FACTS, now: 'y' }).reasons.map((r) => r.rule),
      ['y1', 'y2'],
    );
    const red = evaluateRuleSet(rs, { ...FACTS, now: 'r' });
    assert.equal(red.colour, 'red');
    assert.deepEqual(
      red.reasons.map((r) => [r.rule, r.colour]),
      [
        ['r1', 'red'],
        ['r2', 'red'],
        ['y2', 'yellow'],
      ],
    );
    assert.deepEqual(red.reasons[0]?.description, { 'zh-CN': '规则', en: 'rule' });
  });

  test('the baseline gives the same verdicts from its JSON form', () => {
    const json = JSON.parse(JSON.stringify(BASELINE_RULESET)) as RuleSet;
    const facts: PersonFacts = {
      ...FACTS,
      tests: [{ kind: 'antigen', time: '2022-05-19T08:00:00Z', result: 'positive' }],
    };
    assert.deepEqual(evaluateRuleSet(json, facts), evaluateRuleSet(BASELINE_RULESET, facts));
    assert.equal(evaluateRuleSet(json, facts).colour, 'yellow');
  });

  test('a rule that throws is an error naming the rule', () => {
    const facts: PersonFacts = { ...FACTS, symptoms: [{ time: 'yesterday', fever: true, symptoms: '' }] };
    assert.throws(
      () => evaluateRuleSet(BASELINE_RULESET, facts),
      (e: unknown) =>
        e instanceof RuleEvaluationError &&
        e.ruleId === 'yellow.symptoms' &&
        /yellow\.symptoms.*not an allowed date/.test(e.message),
    );
  });

  test('a rule that gives something other than a boolean is an error naming the rule', () => {
    const rs: RuleSet = { ...copy(), rules: [rule({ id: 'counts', logic: { var: 'now' } })] };
    assert.throws(
      () => evaluateRuleSet(rs, FACTS),
      (e: unknown) => e instanceof RuleEvaluationError && e.ruleId === 'counts' && /not a boolean/.test(e.message),
    );
  });
});
