export type {
  CheckResult,
  CheckRule,
  DataElement,
  ElementIssue,
  ElementType,
  LocalizedText,
  Mask,
  Sensitivity,
  ValidationCode,
  ValueSetEntry,
} from './types.js';
export {
  GB32100_CHARSET,
  gb11643CheckChar,
  gb32100CheckChar,
  generateCitizenId,
  generateCreditCode,
  validateCitizenId,
  validateCnMobile,
  validateCreditCode,
  validateDivisionCode,
} from './checks.js';
export type { Division } from './divisions.js';
export {
  FULL_LIST_PROVINCES,
  GUANGDONG,
  PROVINCES,
  divisionByCode,
  isKnownDivision,
  isProvinceCode,
} from './divisions.js';
export type { Validator } from './validate.js';
export { compilePattern, compileValidator } from './validate.js';
export type { MaskableValue } from './mask.js';
export { applyMask } from './mask.js';
export { BASELINE_ELEMENTS, baselineElementMap } from './baseline.js';
