/** Health-code rules: declarative, versioned CertLogic rule sets that give a person's colour with reasons. */
export { evaluateRule, validateRule } from './certlogic.js';
export type { RuleIssue } from './certlogic.js';
export { compileRule } from './compile.js';
export type { Compiled } from './compile.js';
export { RuleEvaluationError, evaluateRuleSet, validateRuleSet } from './ruleset.js';
export { BASELINE_RULESET } from './baseline.js';
export { FACT_ARRAYS } from './types.js';
export type { Colour, FactArray, LocalizedText, Reason, Rule, RuleSet, Verdict } from './types.js';
export type { PersonFacts } from './facts.js';
