export type Sensitivity = 1 | 2 | 3 | 4; // 1 public, 2 internal, 3 sensitive personal, 4 highly sensitive personal
export type ElementType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'code';
export type CheckRule = 'gb11643' | 'gb32100' | 'gbt2260' | 'cn_mobile';
export type Mask =
  | { type: 'none' }
  | { type: 'show_first_last'; first: number; last: number } // 4401**********1234
  | { type: 'show_first'; n: number }
  | { type: 'show_last'; n: number }
  | { type: 'name' } // 张*三 / 张* : keep first and last char, mask the middle (2-char names: keep first)
  | { type: 'phone' } // 138****5678
  | { type: 'hash' }
  | { type: 'null' }
  | { type: 'year_only' }; // dates: keep the year
export interface LocalizedText {
  'zh-CN': string;
  en: string;
}
export interface ValueSetEntry {
  code: string;
  name: LocalizedText;
}
export interface DataElement {
  code: string; // ^[a-z][a-z0-9_]{1,62}$
  name: LocalizedText;
  description?: LocalizedText;
  type: ElementType;
  pattern?: string; // ECMAScript regex source, anchored by the validator (whole value must match)
  maxLength?: number;
  minimum?: number;
  maximum?: number; // for integer/number
  valueSet?: ValueSetEntry[]; // required when type === 'code'
  checkRule?: CheckRule;
  sensitivity: Sensitivity;
  mask: Mask;
  version: number; // starts at 1
}
export type ValidationCode =
  | 'required'
  | 'type'
  | 'pattern'
  | 'max_length'
  | 'range'
  | 'value_set'
  | 'check_character'
  | 'format'
  | 'division'
  | 'invalid_characters' // a NUL, an unpaired surrogate or U+FFFD: cannot be stored as sent
  | 'number_out_of_range'; // a number that cannot be kept exactly (beyond ±(2^53-1) for integers, or not finite)
/** message names the problem concretely, e.g. en "check character is X, expected 7", zh-CN "校验码为X，应为7" */
export interface ElementIssue {
  code: ValidationCode;
  message: LocalizedText;
}
export type CheckResult = { ok: true; value: string | number | boolean } | { ok: false; issue: ElementIssue };
