/**
 * The CertLogic engine behind the health-code rules: a thin wrapper over certlogic-js (the reference
 * implementation of the EU DCC business-rules language), so the rest of govshare never imports it directly.
 */
import { evaluate } from 'certlogic-js';
import { validate } from 'certlogic-js/dist/validation/index.js';
import type { CertLogicExpression } from 'certlogic-js';

/** One problem found in a CertLogic expression: the offending (sub)expression and what is wrong with it. */
export interface RuleIssue {
  expr: unknown;
  message: string;
}

/** Evaluates a CertLogic expression against JSON data. Throws when the expression or the data make it fail. */
export function evaluateRule(expr: unknown, data: unknown): unknown {
  return evaluate(expr as CertLogicExpression, data);
}

/** Checks that `expr` is a well-formed CertLogic expression; an empty list means it is valid. */
export function validateRule(expr: unknown): RuleIssue[] {
  return validate(expr).map((e) => ({ expr: e.expr as unknown, message: e.message }));
}
