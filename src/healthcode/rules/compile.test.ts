import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_RULESET } from './baseline.js';
import { evaluateRule } from './certlogic.js';
import { compileRule } from './compile.js';
import { evaluatorSuites, haveConformance, validatorSuites } from './conformance.js';

type Outcome = { value: unknown } | { error: string };

/** Dates as their time value (an invalid Date would break the test reporter). */
function plain(x: unknown): unknown {
  if (x instanceof Date) return { date: String(x.getTime()) };
  if (Array.isArray(x)) return x.map(plain);
  return x;
}

function outcome(run: () => unknown): Outcome {
  try {
    return { value: plain(run()) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The compiled expression behaves exactly as certlogic-js: same value, or the same error. */
function assertSame(expr: unknown, data: unknown): void {
  const expected = outcome(() => evaluateRule(expr, data));
  const actual = outcome(() => compileRule(expr)(data));
  assert.deepStrictEqual(actual, expected, `expr=${JSON.stringify(expr)} data=${JSON.stringify(data)}`);
}

describe('compileRule matches certlogic-js', () => {
  test('on malformed expressions and edge values', () => {
    const exprs: unknown[] = [
      null,
      1.5,
      undefined,
      [],
      [1, 'a', true],
      {},
      { a: [1], b: [2] },
      { var: 1 },
      { var: '' },
      { var: 'a.0.b' },
      { foo: [1] },
      { if: [] },
      { if: [true] },
      { if: [true, 1] },
      { if: [{ var: 'x' }, 1, { nope: [] }] },
      { if: [[], 1, 2] },
      { if: [{ var: 'd' }, 1, 2] },
      { and: [true] },
      { and: [true, { var: 'x' }, { bad: [] }] },
      { and: [{ var: 'd' }, true] },
      { '===': [1] },
      { '===': [{ var: 'x' }, null as unknown as string] },
      { in: [1, 2] },
      { in: [1, [1, 2]] },
      { '+': [1, 'a'] },
      { '+': [1, 2] },
      { '<': [1, 2, 3, 4] },
      { '<': [1, 'a'] },
      { '<=': [1, 1, 2] },
      { after: [1, 2] },
      { before: [{ plusTime: ['2022-01-01', 0, 'day'] }, { plusTime: ['2022-01-01T00:00:00Z', 1, 'hour'] }] },
      {
        'not-after': [
          { plusTime: ['2022-01-01', 0, 'day'] },
          { plusTime: [{ var: 'x' }, 0, 'day'] },
          { plusTime: ['2023', 0, 'day'] },
        ],
      },
      {
        'not-before': [{ plusTime: ['2022-02', 1, 'month'] }, { plusTime: ['2022-03-31T10:00:00+01:00', -1, 'year'] }],
      },
      { after: [{ plusTime: ['2022-13-45', 0, 'day'] }, { plusTime: ['2022-01-01', 0, 'day'] }] },
      { plusTime: ['x', 0, 'day'] },
      { plusTime: ['2022-01-01', 1.5, 'day'] },
      { plusTime: ['2022-01-01', 1, 'week'] },
      { plusTime: [{ var: 'x' }, 1, 'day'] },
      { plusTime: ['2022-01-31T00:00:00Z', 1, 'month'] },
      { plusTime: ['2022-01-01T00:00:00Z', 99999999999, 'day'] },
      { '!': [{ var: 'x' }] },
      { '!': [{ var: 'd' }] },
      { '!': [] },
      { reduce: [{ var: 'a' }, { '+': [{ var: 'accumulator' }, { var: 'current' }] }, 0] },
      { reduce: [{ var: 'x' }] },
      { reduce: [1, 2, 3] },
      { extractFromUVCI: [{ var: 'x' }, 1] },
      { extractFromUVCI: [1, 1] },
      { extractFromUVCI: ['URN:UVCI:01:NL:187/37512422923', 'a'] },
      { dccDateOfBirth: [{ var: 'x' }] },
      { dccDateOfBirth: ['1998-02'] },
    ];
    const data: unknown[] = [
      null,
      {},
      { x: null },
      { x: 'a' },
      { x: '2022-05-20T08:00:00Z' },
      { x: 2 },
      { a: [1, 2, 3] },
      { a: [{ b: 'c' }] },
      { d: {} },
      'abc',
    ];
    for (const expr of exprs) for (const d of data) assertSame(expr, d);
  });

  test(
    'on every conformance expression with every conformance data item',
    { skip: haveConformance() ? false : 'conformance suites missing' },
    () => {
      const exprs: unknown[] = [];
      const data: unknown[] = [];
      for (const { suite } of evaluatorSuites()) {
        for (const c of suite.cases) {
          if (c.certLogicExpression !== undefined) exprs.push(c.certLogicExpression);
          for (const a of c.assertions) {
            if (a.certLogicExpression !== undefined) exprs.push(a.certLogicExpression);
            data.push(a.data);
          }
        }
      }
      for (const { suite } of validatorSuites()) for (const c of suite.cases) exprs.push(c.certLogicExpression);
      assert.ok(exprs.length > 100 && data.length > 100);
      for (const expr of exprs) for (const d of data) assertSame(expr, d);
    },
  );

  test('on the baseline rules with generated facts, including malformed ones', () => {
    let seed = 20220520;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const now = Date.parse('2022-05-20T08:00:00Z');
    const time = (): unknown => {
      const ms = now - Math.floor(rnd() * 20 * 24) * 3_600_000 + pick([0, 0, 0, 1000, 86_400_000]);
      const iso = new Date(ms).toISOString();
      const r = rnd();
      if (r < 0.6) return iso.replace('.000Z', 'Z');
      if (r < 0.75) return iso.slice(0, 10);
      if (r < 0.85) return iso.replace('Z', '+00:00');
      if (r < 0.9) return iso;
      return pick(['yesterday', '', null, 42, '2022-02-30', '2022-05']);
    };
    const list = <T>(make: () => T): T[] => Array.from({ length: Math.floor(rnd() * 4) }, make);
    for (let i = 0; i < 3000; i++) {
      const facts = {
        now: rnd() < 0.97 ? '2022-05-20T08:00:00Z' : time(),
        tests: list(() => ({
          kind: pick(['nat', 'antigen']),
          time: time(),
          result: pick(['positive', 'negative', 'negative', 'invalid']),
        })),
        cases: list(() => ({
          diagnosis: pick(['confirmed', 'asymptomatic', 'suspected', 'excluded']),
          reportTime: time(),
        })),
        contacts: list(() => ({
          type: pick(['close', 'secondary', 'spatiotemporal']),
          exposureDate: time(),
          ...(rnd() < 0.5 ? { quarantineEnd: time() } : {}),
        })),
        quarantine: list(() => ({ start: time(), end: time() })),
        visits: list(() => ({ level: pick(['high', 'medium']), area: '440106', time: time() })),
        symptoms: list(() => ({ time: time(), fever: rnd() < 0.5, symptoms: pick(['', '咳嗽', '']) })),
      };
      const data = rnd() < 0.01 ? { ...facts, tests: pick([null, 'none', {}]) } : facts;
      for (const rule of BASELINE_RULESET.rules) assertSame(rule.logic, data);
    }
  });
});
