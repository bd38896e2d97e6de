/** Loading the CertLogic specification's conformance suites (shared/conformance/certlogic), for the tests. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Directive = 'skip' | 'only';

export interface Assertion {
  data: unknown;
  expected: unknown;
  certLogicExpression?: unknown;
  message?: string;
  directive?: Directive;
}

export interface TestCase {
  name: string;
  certLogicExpression?: unknown;
  directive?: Directive;
  assertions: Assertion[];
}

export interface TestSuite {
  name: string;
  directive?: Directive;
  cases: TestCase[];
}

export interface ValidationSuite {
  name: string;
  cases: { certLogicExpression: unknown; issues: { expr: unknown; message: string }[] }[];
}

/** The suites' folder, resolved from this module: <project>/../shared/conformance/certlogic/. */
export const CERTLOGIC_DIR = fileURLToPath(new URL('../../../../shared/conformance/certlogic/', import.meta.url));

export const haveConformance = (): boolean => existsSync(CERTLOGIC_DIR);

function readSuites<T>(folder: string): { file: string; suite: T }[] {
  const dir = join(CERTLOGIC_DIR, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, suite: JSON.parse(readFileSync(join(dir, file), 'utf8')) as T }));
}

export const evaluatorSuites = (): { file: string; suite: TestSuite }[] => readSuites<TestSuite>('testSuite');
export const validatorSuites = (): { file: string; suite: ValidationSuite }[] =>
  readSuites<ValidationSuite>('validation-testSuite');

/** The items to run: none marked skip, and when some are marked only, just those. */
export function selected<T extends { directive?: Directive }>(items: T[]): { item: T; run: boolean }[] {
  const anyOnly = items.some((i) => i.directive === 'only');
  return items.map((item) => ({ item, run: item.directive !== 'skip' && (!anyOnly || item.directive === 'only') }));
}
