/**
 * Small builders that write CertLogic JSON, so the rule sets read like the policy they encode.
 * Their output is plain CertLogic: the rule set stays data (serialisable, versioned, validated).
 *
 * CertLogic has no variables and its `reduce` lambda sees only `accumulator` and `current`, not the facts.
 * Two idioms get around that while staying within the language:
 * - `bind`: a `reduce` over a one-element array whose initial value is a tuple of computed values; the lambda
 *   (the body) reads them as `accumulator.0`, `accumulator.1`, ... (a "let").
 * - `exists`: a `reduce` whose initial value is a tuple of context values (e.g. `now`) and that turns into
 *   `true` once an element matches; comparing the result with `true` gives a boolean.
 * "No value" is the empty string "" (CertLogic has no null literal); it is falsy, any time string is truthy.
 */

/** A CertLogic expression (JSON). */
export type Logic = unknown;
export type TimeUnit = 'year' | 'month' | 'day' | 'hour';

export const v = (path: string): Logic => ({ var: path });
export const eq = (a: Logic, b: Logic): Logic => ({ '===': [a, b] });
export const isIn = (a: Logic, list: Logic): Logic => ({ in: [a, list] });
export const ifThen = (guard: Logic, then: Logic, otherwise: Logic): Logic => ({ if: [guard, then, otherwise] });
export const not = (a: Logic): Logic => ({ '!': [a] });

/** Logical and; with one operand, that operand. */
export function and(...xs: Logic[]): Logic {
  return xs.length === 1 ? xs[0] : { and: xs };
}

/** Logical or (true, or the value of the last operand). */
export function or(...xs: Logic[]): Logic {
  return xs.slice(0, -1).reduceRight<Logic>((rest, x) => ifThen(x, true, rest), xs[xs.length - 1]);
}

/** `body` when `guard` is truthy, false otherwise: keeps rule results boolean. */
export const when = (guard: Logic, body: Logic): Logic => ifThen(guard, body, false);

/** The date-time of a time string, shifted by `amount` units. */
export const at = (time: Logic, amount = 0, unit: TimeUnit = 'day'): Logic => ({ plusTime: [time, amount, unit] });

// Comparisons of time strings (each side is parsed with plusTime).
export const isAfter = (a: Logic, b: Logic): Logic => ({ after: [at(a), at(b)] });
export const after = (a: Logic, b: Logic): Logic => ({ after: [a, b] });
export const before = (a: Logic, b: Logic): Logic => ({ before: [a, b] });
export const notAfter = (a: Logic, b: Logic): Logic => ({ 'not-after': [a, b] });
export const notBefore = (a: Logic, b: Logic): Logic => ({ 'not-before': [a, b] });

const acc = (i?: number): Logic => v(i === undefined ? 'accumulator' : `accumulator.${i}`);

/** Binds named values and evaluates `body` with them (see the module comment). */
export function bind<K extends string>(values: Record<K, Logic>, body: (vars: Record<K, Logic>) => Logic): Logic {
  const names = Object.keys(values) as K[];
  const vars = Object.fromEntries(names.map((n, i) => [n, acc(i)])) as Record<K, Logic>;
  return { reduce: [[0], body(vars), names.map((n) => values[n])] };
}

/**
 * True when some element of `array` satisfies `test`; `context` values are passed in, since the test cannot
 * see the facts (`test(current, context)` gets CertLogic vars for the element and the context values).
 */
export function exists<K extends string>(
  array: Logic,
  context: Record<K, Logic>,
  test: (current: (field: string) => Logic, ctx: Record<K, Logic>) => Logic,
): Logic {
  const names = Object.keys(context) as K[];
  const ctx = Object.fromEntries(names.map((n, i) => [n, acc(i)])) as Record<K, Logic>;
  const current = (field: string): Logic => v(`current.${field}`);
  const lambda = ifThen(eq(acc(), true), true, ifThen(test(current, ctx), true, acc()));
  return eq({ reduce: [array, lambda, names.map((n) => context[n])] }, true);
}

/**
 * The latest `field` (a time string) among the elements of `array` that satisfy `test`, or "" when none does.
 * Does not depend on the order of the array.
 */
export function latest(array: Logic, field: string, test: (current: (field: string) => Logic) => Logic): Logic {
  const current = (f: string): Logic => v(`current.${f}`);
  const isLater = ifThen(acc(), isAfter(current(field), acc()), true);
  return { reduce: [array, ifThen(and(test(current), isLater), current(field), acc()), ''] };
}
