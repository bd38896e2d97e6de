import type { LocalizedText } from '../../core/i18n.js';

export type { LocalizedText } from '../../core/i18n.js';

/** A health-code colour, from least to most restrictive: green, yellow, red. */
export type Colour = 'green' | 'yellow' | 'red';

/** The names of the fact arrays a rule can point to as its evidence (see facts.ts). */
export const FACT_ARRAYS = ['tests', 'cases', 'contacts', 'quarantine', 'visits', 'symptoms'] as const;
export type FactArray = (typeof FACT_ARRAYS)[number];

/** One declarative rule: when its CertLogic `logic` evaluates to true, the rule fires and gives its colour. */
export interface Rule {
  id: string;
  colour: 'yellow' | 'red';
  description: LocalizedText;
  /** A CertLogic expression over the person's facts; true means the rule fires, false that it does not. */
  logic: unknown;
  /** The fact arrays the rule looks at (e.g. ["tests"]), shown with the reasons. */
  evidence?: string[];
}

/** A versioned set of rules for one region and validity period. */
export interface RuleSet {
  id: string;
  /** Semantic version (semver.org 2.0.0). */
  version: string;
  /** GB/T 2260 administrative division code (6 digits) of the region the set applies to. */
  region: string;
  /** ISO 8601 date or date-time from which the set applies (inclusive). */
  validFrom: string;
  /** ISO 8601 date or date-time at which the set stops applying (exclusive). */
  validTo: string;
  description: LocalizedText;
  rules: Rule[];
}

/** Why a person has their colour: one fired rule. */
export interface Reason {
  rule: string;
  colour: Colour;
  description: LocalizedText;
}

/** The outcome of evaluating a rule set for one person. */
export interface Verdict {
  colour: Colour;
  /** Every rule that fired, red ones first, each group in rule-set order. */
  reasons: Reason[];
}
