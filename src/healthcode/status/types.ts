import type { LocalizedText } from '../../core/i18n.js';
import type { EvidenceRef } from '../facts/build.js';
import type { Colour } from '../rules/index.js';

export type { EvidenceRef } from '../facts/build.js';

/** One fired rule, with the records that made it fire (the newest few of each fact list it looks at). */
export interface StatusReason {
  rule: string;
  colour: Colour;
  description: LocalizedText;
  evidence: EvidenceRef[];
}

export interface PersonStatus {
  subject: string;
  /** The pseudonymous id written into the person's codes. */
  codeSub: string;
  /** The effective colour: an accepted appeal's override while it lasts, else the rules' verdict. */
  colour: Colour;
  computedColour: Colour;
  reasons: StatusReason[];
  ruleSet: string;
  ruleVersion: string;
  overrideAppeal: string | null;
  /** When the colour or its reasons last changed. */
  since: string;
  computedAt: string;
}

export interface HistoryEntry {
  seq: number;
  colour: Colour;
  previous: Colour | null;
  reasons: StatusReason[];
  ruleSet: string;
  ruleVersion: string;
  cause: string;
  at: string;
}
