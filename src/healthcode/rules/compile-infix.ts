/** The CertLogic compiler's infix operators (see compile.ts), with certlogic-js's checks and messages. */
import { boolsiness, isInt } from 'certlogic-js/dist/internals.js';
import { fail } from './compile-support.js';
import type { Compiled, CompiledTime } from './compile-support.js';

const isTime = (f: Compiled | undefined): f is CompiledTime => f !== undefined && 'ms' in f;

const RANGE = new Set(['<', '>', '<=', '>=', 'after', 'before', 'not-after', 'not-before']);

function arityError(operator: string, n: number): string | undefined {
  if (operator === 'and') return n < 2 ? 'an "and" operation must have at least 2 operands' : undefined;
  if (RANGE.has(operator))
    return n < 2 || n > 3 ? `an operation with operator "${operator}" must have 2 or 3 operands` : undefined;
  return n !== 2 ? `an operation with operator "${operator}" must have 2 operands` : undefined;
}

type Compare = (l: number | Date, r: number | Date) => boolean;
const COMPARE: Record<string, Compare> = {
  '<': (l, r) => l < r,
  '>': (l, r) => l > r,
  '<=': (l, r) => l <= r,
  '>=': (l, r) => l >= r,
  before: (l, r) => l < r,
  after: (l, r) => l > r,
  'not-after': (l, r) => l <= r,
  'not-before': (l, r) => l >= r,
};

/** Compiles `{ operator: [operands...] }` for an infix operator, given its compiled operands. */
export function compileInfix(operator: string, operands: Compiled[]): Compiled {
  const error = arityError(operator, operands.length);
  if (error !== undefined) return fail(error);
  if (operator === 'and') return compileAnd(operands);
  const [a, b, c] = operands as [Compiled, Compiled, Compiled | undefined];
  switch (operator) {
    case '===':
      return (data) => a(data) === b(data);
    case 'in':
      return (data) => {
        const l = a(data);
        const r = b(data);
        if (!Array.isArray(r)) throw new Error('right-hand side of an "in" operation must be an array');
        return r.indexOf(l) > -1;
      };
    case '+':
      return (data) => {
        const l = a(data);
        const r = b(data);
        if (!isInt(l) || !isInt(r)) throw new Error('operands of this operation must both be integers');
        return l + r;
      };
  }
  const compare = COMPARE[operator];
  if (compare === undefined) return fail(`unhandled infix operator "${operator}"`);
  const ok = ['<', '>', '<=', '>='].includes(operator)
    ? (x: unknown): x is number => isInt(x)
    : (x: unknown): x is Date => x instanceof Date;
  const message = ['<', '>', '<=', '>='].includes(operator)
    ? 'all operands of a comparison operation must be of integer type'
    : 'all operands of a date-time comparison must be date-times';
  if (
    RANGE.has(operator) &&
    !['<', '>', '<=', '>='].includes(operator) &&
    isTime(a) &&
    isTime(b) &&
    (c === undefined || isTime(c))
  ) {
    // Both (all) sides are plusTime operations, which always give a Date (or throw): compare their epoch ms.
    return compileTimeComparison(compare, a, b, c);
  }
  if (c === undefined) {
    return (data) => {
      const l = a(data);
      const r = b(data);
      if (!ok(l) || !ok(r)) throw new Error(message);
      return compare(l, r);
    };
  }
  return (data) => {
    const l = a(data);
    const m = b(data);
    const r = c(data);
    if (!ok(l) || !ok(m) || !ok(r)) throw new Error(message);
    return compare(l, m) && compare(m, r);
  };
}

function compileAnd(operands: Compiled[]): Compiled {
  return (data) => {
    let acc: unknown = true;
    for (const operand of operands) {
      if (acc === false || (acc !== true && boolsiness(acc) === false)) return acc;
      const value = operand(data);
      if (typeof value !== 'boolean' && boolsiness(value) === undefined)
        throw new Error('all operands of an "and" operation must be either truthy or falsy');
      acc = value;
    }
    return acc;
  };
}

function compileTimeComparison(
  compare: Compare,
  a: CompiledTime,
  b: CompiledTime,
  c: CompiledTime | undefined,
): Compiled {
  const l = a.ms;
  const m = b.ms;
  if (c === undefined) return (data) => compare(l(data), m(data));
  const r = c.ms;
  return (data) => {
    const x = l(data);
    const y = m(data);
    const z = r(data);
    return compare(x, y) && compare(y, z);
  };
}
