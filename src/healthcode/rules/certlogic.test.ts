import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateRule, validateRule } from './certlogic.js';
import { compileRule } from './compile.js';
import { CERTLOGIC_DIR, evaluatorSuites, haveConformance, selected, validatorSuites } from './conformance.js';

const missing = haveConformance()
  ? false
  : `CertLogic conformance suites not found at ${CERTLOGIC_DIR} (shared/ is not checked out next to the project)`;

test('the conformance folder resolves to shared/conformance/certlogic next to the project', () => {
  const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
  assert.equal(CERTLOGIC_DIR, join(dirname(projectRoot), 'shared', 'conformance', 'certlogic') + sep);
});

test('directives: skip is not run; when some items are marked only, just those run', () => {
  const run = (items: { directive?: 'skip' | 'only' }[]): boolean[] => selected(items).map((s) => s.run);
  assert.deepEqual(run([{}, { directive: 'skip' }, {}]), [true, false, true]);
  assert.deepEqual(run([{}, { directive: 'only' }, { directive: 'skip' }, { directive: 'only' }]), [
    false,
    true,
    false,
    true,
  ]);
});

const engines: { name: string; evaluate: (expr: unknown, data: unknown) => unknown }[] = [
  { name: 'certlogic-js (evaluateRule)', evaluate: evaluateRule },
  { name: 'compiled (compileRule)', evaluate: (expr, data) => compileRule(expr)(data) },
];

describe('CertLogic evaluator conformance', { skip: missing }, () => {
  if (missing) return;
  const suites = evaluatorSuites();
  test('there are evaluator suites', () => assert.ok(suites.length > 0));
  for (const engine of engines) {
    describe(engine.name, () => {
      for (const { file, suite } of suites) {
        const fileSkip = suite.directive === 'skip' ? `${file} is marked skip` : false;
        describe(`${file}: ${suite.name}`, { skip: fileSkip }, () => {
          for (const { item: testCase, run } of selected(suite.cases)) {
            test(testCase.name, { skip: run ? false : 'case marked skip (or another case is marked only)' }, () => {
              const assertions = selected(testCase.assertions)
                .filter((a) => a.run)
                .map((a) => a.item);
              assert.ok(assertions.length > 0, 'a case that runs must run at least one assertion');
              for (const a of assertions) {
                const expr = a.certLogicExpression ?? testCase.certLogicExpression;
                assert.notEqual(expr, undefined, 'assertion without an expression');
                const label = `${a.message ?? ''} data=${JSON.stringify(a.data)} expr=${JSON.stringify(expr)}`;
                assert.deepStrictEqual(engine.evaluate(expr, a.data), a.expected, label);
              }
            });
          }
        });
      }
    });
  }
});

describe('CertLogic validator conformance', { skip: missing }, () => {
  if (missing) return;
  const suites = validatorSuites();
  test('there are validator suites', () => assert.ok(suites.length > 0));
  for (const { file, suite } of suites) {
    describe(`${file}: ${suite.name}`, () => {
      suite.cases.forEach((c, i) => {
        test(`#${i} ${JSON.stringify(c.certLogicExpression)?.slice(0, 80)}`, () => {
          assert.deepStrictEqual(validateRule(c.certLogicExpression), c.issues);
        });
      });
    });
  }
});
