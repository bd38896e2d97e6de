import { cstYmdString, isValidYmd, readDigits, todayCstYmd } from './dates.js';
import { FULL_LIST_PROVINCES, PROVINCES, isKnownDivision, isProvinceCode } from './divisions.js';
import { mkIssue } from './issue.js';
import type { ElementIssue } from './types.js';

// ---------------------------------------------------------------------------
// GB 11643-1999 citizen identity number (ISO 7064 MOD 11-2)
// ---------------------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

/** Check character (0-9 or 'X') for the first 17 digits of a citizen ID. Throws RangeError on bad input. */
export function gb11643CheckChar(first17: string): string {
  if (first17.length !== 17 || !allDigits(first17)) {
    throw new RangeError('gb11643CheckChar expects exactly 17 digits');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS.charAt(sum % 11);
}

/**
 * Validates an 18-character citizen ID. Accepts a lowercase 'x' check character (callers normalise to 'X').
 * Only the provincial prefix of the division code is checked: IDs keep the code in force when they were issued,
 * so abolished county codes are legitimate. Messages never echo the number itself.
 */
export function validateCitizenId(s: string): ElementIssue | null {
  if (s.length !== 18) {
    return mkIssue(
      'format',
      `公民身份号码应为18位，实际为${s.length}位`,
      `citizen ID must be 18 characters, got ${s.length}`,
    );
  }
  for (let i = 0; i < 17; i++) {
    if (!isDigitCode(s.charCodeAt(i))) {
      return mkIssue('format', `公民身份号码第${i + 1}位应为数字`, `citizen ID character ${i + 1} must be a digit`);
    }
  }
  const last = s.charCodeAt(17);
  if (!isDigitCode(last) && last !== 88 /* X */ && last !== 120 /* x */) {
    return mkIssue(
      'format',
      '公民身份号码第18位（校验码）应为数字或X',
      'citizen ID character 18 (check character) must be a digit or X',
    );
  }
  if (!isProvinceCode(s.slice(0, 2))) {
    return mkIssue(
      'division',
      '公民身份号码前两位不是有效的省级行政区划代码',
      'citizen ID positions 1-2 are not a valid provincial-level division code',
    );
  }
  const y = readDigits(s, 6, 4);
  const m = readDigits(s, 10, 2);
  const d = readDigits(s, 12, 2);
  if (!isValidYmd(y, m, d)) {
    return mkIssue(
      'format',
      '公民身份号码第7-14位（出生日期）不是有效日期',
      'citizen ID birth date (positions 7-14) is not a valid calendar date',
    );
  }
  if (y < 1900) {
    return mkIssue(
      'format',
      '公民身份号码第7-14位（出生日期）早于1900年',
      'citizen ID birth date (positions 7-14) is before 1900',
    );
  }
  if (y * 10000 + m * 100 + d > todayCstYmd()) {
    return mkIssue(
      'format',
      '公民身份号码第7-14位（出生日期）晚于今天',
      'citizen ID birth date (positions 7-14) is after today',
    );
  }
  const expected = gb11643CheckChar(s.slice(0, 17));
  const actual = last === 120 ? 'X' : String.fromCharCode(last);
  if (actual !== expected) {
    return mkIssue(
      'check_character',
      `公民身份号码校验码为${actual}，应为${expected}`,
      `citizen ID check character is ${actual}, expected ${expected}`,
    );
  }
  return null;
}

/** Builds a valid citizen ID. `birth` is a Date (its calendar day in CST) or 'YYYYMMDD'; `seq` is 0..999. */
export function generateCitizenId(divisionCode: string, birth: Date | string, seq: number): string {
  if (!/^\d{6}$/.test(divisionCode)) throw new RangeError('divisionCode must be 6 digits');
  const ymd = typeof birth === 'string' ? birth : cstYmdString(birth);
  if (!/^\d{8}$/.test(ymd) || !isValidYmd(readDigits(ymd, 0, 4), readDigits(ymd, 4, 2), readDigits(ymd, 6, 2))) {
    throw new RangeError('birth must be a valid date or YYYYMMDD string');
  }
  if (!Number.isInteger(seq) || seq < 0 || seq > 999) throw new RangeError('seq must be an integer 0..999');
  const first17 = divisionCode + ymd + String(seq).padStart(3, '0');
  return first17 + gb11643CheckChar(first17);
}

// ---------------------------------------------------------------------------
// GB 32100-2015 unified social credit code
// ---------------------------------------------------------------------------

export const GB32100_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** ASCII code -> charset index (case-insensitive), -1 when not allowed. */
const CREDIT_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < GB32100_CHARSET.length; i++) {
  const c = GB32100_CHARSET.charCodeAt(i);
  CREDIT_INDEX[c] = i;
  if (c >= 65 && c <= 90) CREDIT_INDEX[c + 32] = i;
}

function creditIndex(c: number): number {
  return c < 128 ? (CREDIT_INDEX[c] ?? -1) : -1;
}

function creditCheckIndex(s: string): number {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += creditIndex(s.charCodeAt(i)) * (CREDIT_WEIGHTS[i] ?? 0);
  const c = 31 - (sum % 31);
  return c === 31 ? 0 : c;
}

/** Check character for the first 17 characters of a credit code. Throws RangeError on bad input. */
export function gb32100CheckChar(first17: string): string {
  if (first17.length !== 17) throw new RangeError('gb32100CheckChar expects exactly 17 characters');
  for (let i = 0; i < 17; i++) {
    if (creditIndex(first17.charCodeAt(i)) < 0)
      throw new RangeError(`character ${i + 1} is not in the GB 32100 charset`);
  }
  return GB32100_CHARSET.charAt(creditCheckIndex(first17));
}

/**
 * Validates an 18-character unified social credit code (case-insensitive; callers normalise to upper case).
 * The registration-authority division code (chars 3-8) must be 6 digits with a valid provincial prefix,
 * or 100000 (central-level registration).
 */
export function validateCreditCode(s: string): ElementIssue | null {
  if (s.length !== 18) {
    return mkIssue(
      'format',
      `统一社会信用代码应为18位，实际为${s.length}位`,
      `credit code must be 18 characters, got ${s.length}`,
    );
  }
  for (let i = 0; i < 18; i++) {
    if (creditIndex(s.charCodeAt(i)) < 0) {
      return mkIssue(
        'format',
        `统一社会信用代码第${i + 1}位字符不在允许的字符集内（数字及除I、O、Z、S、V外的大写字母）`,
        `credit code character ${i + 1} is not allowed (digits and upper-case letters except I, O, Z, S, V)`,
      );
    }
  }
  for (let i = 2; i < 8; i++) {
    if (!isDigitCode(s.charCodeAt(i))) {
      return mkIssue(
        'format',
        '统一社会信用代码第3-8位（行政区划码）应为6位数字',
        'credit code positions 3-8 (division code) must be 6 digits',
      );
    }
  }
  const division = s.slice(2, 8);
  if (division !== '100000' && !isProvinceCode(division.slice(0, 2))) {
    return mkIssue(
      'division',
      '统一社会信用代码第3-4位不是有效的省级行政区划代码',
      'credit code positions 3-4 are not a valid provincial-level division code',
    );
  }
  const expected = GB32100_CHARSET.charAt(creditCheckIndex(s));
  const actual = s.charAt(17).toUpperCase();
  if (actual !== expected) {
    return mkIssue(
      'check_character',
      `统一社会信用代码校验码为${actual}，应为${expected}`,
      `credit code check character is ${actual}, expected ${expected}`,
    );
  }
  return null;
}

/** Appends the check character to 17 charset characters (upper-cased). */
export function generateCreditCode(first17: string): string {
  const up = first17.toUpperCase();
  return up + gb32100CheckChar(up);
}

// ---------------------------------------------------------------------------
// GB/T 2260 division code, mainland mobile number
// ---------------------------------------------------------------------------

/**
 * 6 digits with a provincial-level prefix; for provinces whose full list is shipped (Guangdong) the code
 * must be a current division in that list. All failures use the 'division' code; messages do not echo the code.
 */
export function validateDivisionCode(s: string): ElementIssue | null {
  if (s.length !== 6 || !allDigits(s)) {
    return mkIssue(
      'division',
      `行政区划代码应为6位数字，实际为${s.length}个字符`,
      `division code must be 6 digits (got ${s.length} characters)`,
    );
  }
  const prefix = s.slice(0, 2);
  if (!isProvinceCode(prefix)) {
    return mkIssue(
      'division',
      '行政区划代码前两位不是有效的省级行政区划代码',
      'division code positions 1-2 are not a valid provincial-level code',
    );
  }
  if (FULL_LIST_PROVINCES.has(prefix) && !isKnownDivision(s)) {
    const province = PROVINCES[prefix]?.['zh-CN'] ?? prefix;
    const provinceEn = PROVINCES[prefix]?.en ?? prefix;
    return mkIssue(
      'division',
      `行政区划代码不在${province}现行GB/T 2260代码表中`,
      `division code is not in the current GB/T 2260 list for ${provinceEn}`,
    );
  }
  return null;
}

/** Mainland China mobile number: 11 digits, starting 13-19. Messages do not echo the number. */
export function validateCnMobile(s: string): ElementIssue | null {
  if (s.length !== 11 || !allDigits(s)) {
    return mkIssue(
      'format',
      `手机号码应为11位数字，实际为${s.length}个字符`,
      `mobile number must be 11 digits (got ${s.length} characters)`,
    );
  }
  const second = s.charCodeAt(1);
  if (s.charCodeAt(0) !== 49 || second < 51 || second > 57) {
    return mkIssue('format', '手机号码应以13-19开头', 'mobile number must start with 13-19');
  }
  return null;
}
