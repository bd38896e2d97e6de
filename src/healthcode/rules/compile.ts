/**
 * A compiler from CertLogic to JavaScript closures, for the full recompute of every resident's code.
 *
 * certlogic-js interprets the expression tree on every call (Object.entries, operator look-ups, path splitting):
 * on typical facts the baseline set ran at ~4,400 persons/s (~22 µs per rule), ~11× short of the 50,000 persons/s
 * target; compiled it runs at ~65,000 persons/s, data loading included. This
 * compiler does that work once per rule and keeps certlogic-js's semantics exactly: the same operators, the same
 * checks in the same order, the same error messages, and certlogic-js's own primitives (boolsiness, date
 * parsing, UVCI, date of birth). Malformed parts become closures that throw when (and only when) the reference
 * evaluator would throw. It passes the same conformance suites (certlogic.test.ts) and is checked against
 * certlogic-js on generated facts (compile.test.ts).
 */
import { timeUnits } from 'certlogic-js';
import { boolsiness, dccDateOfBirth, extractFromUVCI, isCertLogicLiteral, isInt } from 'certlogic-js/dist/internals.js';
import { compileInfix } from './compile-infix.js';
import { fail, plusTimeFast, plusTimeMs } from './compile-support.js';
import type { Compiled, CompiledTime } from './compile-support.js';

export type { Compiled } from './compile-support.js';

const INFIX = ['===', 'and', '>', '<', '>=', '<=', 'in', '+', 'after', 'before', 'not-after', 'not-before'];
const TIME_UNITS: readonly unknown[] = timeUnits;

/** Compiles a CertLogic expression into a function of the data; it returns what evaluateRule would, or throws. */
export function compileRule(expr: unknown): Compiled {
  if (isCertLogicLiteral(expr)) return () => expr;
  if (expr === null) return fail(`invalid CertLogic expression: ${expr}`);
  if (Array.isArray(expr)) {
    const items = expr.map((item: unknown) => compileRule(item));
    return (data) => items.map((f) => f(data));
  }
  if (typeof expr !== 'object') return fail(`invalid CertLogic expression: ${String(expr)}`);
  const entries = Object.entries(expr);
  const entry = entries[0];
  if (entries.length !== 1 || entry === undefined) return fail('unrecognised expression object encountered');
  const [operator, values] = entry as [string, unknown];
  if (operator === 'var') return compileVar(values);
  if (!(Array.isArray(values) && values.length > 0))
    return fail('operation not of the form { "<operator>": [ <values...> ] }');
  const args = values as unknown[];
  if (operator === 'if') return compileIf(args[0], args[1], args[2]);
  if (INFIX.includes(operator))
    return compileInfix(
      operator,
      args.map((arg) => compileRule(arg)),
    );
  if (operator === '!') return compileNot(compileRule(args[0]));
  if (operator === 'plusTime') return compilePlusTime(args[0], args[1], args[2]);
  if (operator === 'reduce') return compileReduce(args[0], args[1], args[2]);
  if (operator === 'extractFromUVCI') return compileExtractFromUVCI(args[0], args[1]);
  if (operator === 'dccDateOfBirth') return compileDccDateOfBirth(args[0]);
  return fail(`unrecognised operator: "${operator}"`);
}

function compileVar(path: unknown): Compiled {
  if (typeof path !== 'string') return fail('not of the form { "var": "<path>" }');
  if (path === '') return (data) => data;
  // As certlogic-js: a fragment that parses as an integer is an index, else a key; undefined reads as null.
  const keys = path.split('.').map((fragment) => {
    const index = parseInt(fragment, 10);
    return isNaN(index) ? fragment : index;
  });
  return (data) => {
    let value = data;
    for (const key of keys) {
      if (value === null) return null;
      const next = (value as Record<string | number, unknown>)[key];
      value = next === undefined ? null : next;
    }
    return value;
  };
}

function compileIf(guardExpr: unknown, thenExpr: unknown, elseExpr: unknown): Compiled {
  if (guardExpr === undefined) return fail('an if-operation must have a guard (argument #1)');
  if (thenExpr === undefined) return fail('an if-operation must have a then (argument #2)');
  if (elseExpr === undefined) return fail('an if-operation must have an else (argument #3)');
  const guard = compileRule(guardExpr);
  const then = compileRule(thenExpr);
  const otherwise = compileRule(elseExpr);
  return (data) => {
    const g = guard(data);
    if (g === true) return then(data);
    if (g === false) return otherwise(data);
    switch (boolsiness(g)) {
      case true:
        return then(data);
      case false:
        return otherwise(data);
      default:
        throw new Error(`if-guard evaluates to something neither truthy, nor falsy: ${String(g)}`);
    }
  };
}

function compileNot(operand: Compiled): Compiled {
  return (data) => {
    const value = operand(data);
    if (typeof value === 'boolean') return !value;
    switch (boolsiness(value)) {
      case false:
        return true;
      case true:
        return false;
      default:
        throw new Error(`operand of ! evaluates to something neither truthy, nor falsy: ${String(value)}`);
    }
  };
}

function compilePlusTime(dateExpr: unknown, amount: unknown, unit: unknown): Compiled {
  if (!isInt(amount)) return fail('"amount" argument (#2) of "plusTime" must be an integer');
  if (!TIME_UNITS.includes(unit)) {
    return fail(
      `"unit" argument (#3) of "plusTime" must be a string with one of the time units: ${TIME_UNITS.join(', ')}`,
    );
  }
  const date = compileRule(dateExpr);
  const u = unit as 'year' | 'month' | 'day' | 'hour';
  const dateString = (data: unknown): string => {
    const str = date(data);
    if (typeof str !== 'string') throw new Error('date argument (#1) of "plusTime" must be a string');
    return str;
  };
  const compiled: CompiledTime = Object.assign((data: unknown) => plusTimeFast(dateString(data), amount, u), {
    ms: (data: unknown) => plusTimeMs(dateString(data), amount, u),
  });
  return compiled;
}

function compileReduce(operandExpr: unknown, lambdaExpr: unknown, initialExpr: unknown): Compiled {
  const operand = compileRule(operandExpr);
  const lambda = compileRule(lambdaExpr);
  const initial = compileRule(initialExpr);
  return (data) => {
    const array = operand(data);
    if (array === null) return initial(data);
    if (!Array.isArray(array)) throw new Error('operand of reduce evaluated to a non-null non-array');
    let accumulator = initial(data);
    for (const current of array as unknown[]) accumulator = lambda({ accumulator, current });
    return accumulator;
  };
}

function compileExtractFromUVCI(operandExpr: unknown, index: unknown): Compiled {
  const operand = compileRule(operandExpr);
  return (data) => {
    const uvci = operand(data);
    if (!(uvci === null || typeof uvci === 'string')) {
      throw new Error('"UVCI" argument (#1) of "extractFromUVCI" must be either a string or null');
    }
    if (!isInt(index)) throw new Error('"index" argument (#2) of "extractFromUVCI" must be an integer');
    return extractFromUVCI(uvci, index);
  };
}

function compileDccDateOfBirth(operandExpr: unknown): Compiled {
  const operand = compileRule(operandExpr);
  return (data) => {
    const value = operand(data);
    if (typeof value !== 'string') throw new Error('operand of "dccDateOfBirth" must be a string');
    return dccDateOfBirth(value);
  };
}
