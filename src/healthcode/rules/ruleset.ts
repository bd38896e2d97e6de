/** Evaluating a rule set for one person. */
import { compileRule } from './compile.js';
import type { Compiled } from './compile.js';
import type { PersonFacts } from './facts.js';
import type { Colour, Reason, RuleSet, Verdict } from './types.js';

/** A rule that threw or gave a non-boolean: a defect of the rule set (or of facts it cannot read), never a colour. */
export class RuleEvaluationError extends Error {
  constructor(
    readonly ruleId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`health-code rule ${ruleId}: ${message}`, options);
    this.name = 'RuleEvaluationError';
  }
}

const compiled = new WeakMap<object, Compiled>();

/** The rule's logic compiled once (rule sets are immutable data once in use). */
function compiledLogic(logic: unknown): Compiled {
  if (typeof logic !== 'object' || logic === null) return compileRule(logic);
  let fn = compiled.get(logic);
  if (fn === undefined) {
    fn = compileRule(logic);
    compiled.set(logic, fn);
  }
  return fn;
}

/**
 * The person's colour under `rs`: the strictest colour of the rules that fire (red > yellow > green), green
 * when none fires, with every fired rule as a reason, red ones first.
 * Throws RuleEvaluationError when a rule throws or its result is not a boolean.
 */
export function evaluateRuleSet(rs: RuleSet, facts: PersonFacts): Verdict {
  const red: Reason[] = [];
  const yellow: Reason[] = [];
  for (const rule of rs.rules) {
    let result: unknown;
    try {
      result = compiledLogic(rule.logic)(facts);
    } catch (e) {
      throw new RuleEvaluationError(rule.id, e instanceof Error ? e.message : String(e), { cause: e });
    }
    if (result === false) continue;
    if (result !== true) throw new RuleEvaluationError(rule.id, `result is not a boolean: ${JSON.stringify(result)}`);
    (rule.colour === 'red' ? red : yellow).push({ rule: rule.id, colour: rule.colour, description: rule.description });
  }
  const colour: Colour = red.length > 0 ? 'red' : yellow.length > 0 ? 'yellow' : 'green';
  return { colour, reasons: [...red, ...yellow] };
}

export { validateRuleSet } from './validate.js';
