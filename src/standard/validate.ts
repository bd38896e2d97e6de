import { characterIssue } from './chars.js';
import { validateCitizenId, validateCnMobile, validateCreditCode, validateDivisionCode } from './checks.js';
import { mkIssue } from './issue.js';
import { dateToCstDateString, parseBooleanString, parseDateString, parseDatetimeMs } from './parse.js';
import type { CheckResult, CheckRule, DataElement, ElementIssue, ValidationCode } from './types.js';

export type Validator = (value: unknown) => CheckResult;

type RuleFn = (s: string) => ElementIssue | null;

const RULES: Record<CheckRule, RuleFn> = {
  gb11643: validateCitizenId,
  gb32100: validateCreditCode,
  gbt2260: validateDivisionCode,
  cn_mobile: validateCnMobile,
};

/** Normalisation applied after a check rule passed (citizen ID 'x' -> 'X', credit code upper case). */
const NORMALISE: Partial<Record<CheckRule, (s: string) => string>> = {
  gb11643: (s) => (s.charCodeAt(17) === 120 ? s.slice(0, 17) + 'X' : s),
  gb32100: (s) => s.toUpperCase(),
};

const NUMERIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY_RE = /^[+-]?(?:inf|infinity|∞)$/i;
const MAX_LISTED_CODES = 10;
const MAX_ECHO = 40;

function fail(code: ValidationCode, zh: string, en: string): CheckResult {
  return { ok: false, issue: mkIssue(code, zh, en) };
}

/** A failure that does not depend on the value: built once per validator, frozen, shared by all calls. */
function frozenFail(code: ValidationCode, zh: string, en: string): CheckResult {
  const issue = mkIssue(code, zh, en);
  Object.freeze(issue.message);
  Object.freeze(issue);
  return Object.freeze({ ok: false, issue }) as CheckResult;
}

/** A string that cannot be stored as sent (a NUL, an unpaired surrogate, U+FFFD): 'invalid_characters'. */
function badText(s: string): CheckResult | null {
  const issue = characterIssue(s);
  return issue === null ? null : { ok: false, issue };
}

// A JSON number in a text or code element: kept as its decimal string, which is the value sent only when the
// number was exact (a 20-digit number arrives as 1e20, an ID number sent as a number loses its last digits).
const INEXACT = frozenFail(
  'number_out_of_range',
  '数值超出可精确表示的范围（±9007199254740991）；请以文本形式发送',
  'the number is too large to be kept exactly (beyond ±9007199254740991); send it as a string',
);
const exactNumber = (n: number): boolean => Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n));

/**
 * The text of a value for a text or code element: a string trimmed, an exact number as its decimal string; else the
 * fault (unstorable characters, an inexact number, a missing value, or the element's type fault).
 */
function textOf(value: unknown, required: CheckResult, type: CheckResult): string | CheckResult {
  if (typeof value === 'string') return badText(value) ?? value.trim();
  if (typeof value === 'number' && !Number.isNaN(value)) return exactNumber(value) ? String(value) : INEXACT;
  if (value === null || value === undefined) return required;
  return type;
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Anchors `source` so the whole value must match; tries Unicode mode first, then legacy mode. */
export function compilePattern(source: string): RegExp {
  const anchored = `^(?:${source})$`;
  try {
    return new RegExp(anchored, 'u');
  } catch {
    return new RegExp(anchored); // throws SyntaxError for a truly invalid pattern
  }
}

/**
 * Compiles a per-element validator (compile once, call per row).
 *
 * - null / undefined / '' / whitespace-only -> 'required'.
 * - any text with a NUL, an unpaired UTF-16 surrogate or U+FFFD (bytes that were not UTF-8) ->
 *   'invalid_characters' (the database cannot store it, or would store something else than was sent).
 * - string: strings, or exact numbers (converted to their decimal string; a number the JSON parser could not
 *   keep exactly, beyond ±(2^53-1), is 'number_out_of_range'); trimmed; maxLength counts
 *   Unicode code points; pattern is anchored; then the checkRule (value normalised: citizen ID 'x' -> 'X',
 *   credit code upper-cased).
 * - integer / number: number or numeric string; 'range' for minimum/maximum; 'number_out_of_range' for a number
 *   that is not finite (1e999, Infinity) or an integer beyond ±(2^53-1), which cannot be kept exactly.
 * - boolean: true/false, "true"/"false", "1"/"0", 1/0, "是"/"否", "yes"/"no".
 * - date: 'YYYY-MM-DD' or 'YYYYMMDD' (or a Date: its calendar day in China Standard Time) -> 'YYYY-MM-DD'.
 * - datetime: ISO 8601 with a time; a value without an offset is interpreted as China Standard Time
 *   (+08:00). Normalised to UTC `toISOString()` form. A Date instance is also accepted.
 * - code: exact match against the value-set codes (strings; numbers are converted).
 *
 * Messages never include the raw value of an element with sensitivity >= 3, nor any value when `echo` is false
 * (ingest: a value in the wrong column may be personal whatever its element, and rejects are kept).
 * Throws at compile time if the element is malformed (bad pattern, 'code' without valueSet).
 */
export function compileValidator(el: DataElement, opts: { echo?: boolean } = {}): Validator {
  const echo = (opts.echo ?? true) && el.sensitivity < 3;
  const quote = (s: string): string => (s.length > MAX_ECHO ? `"${s.slice(0, MAX_ECHO)}…"` : `"${s}"`);
  const REQUIRED = frozenFail('required', '必填项缺失', 'value is required');

  switch (el.type) {
    case 'string':
      return compileString(el, echo, quote, REQUIRED);
    case 'integer':
    case 'number':
      return compileNumber(el, echo, REQUIRED);
    case 'boolean':
      return compileBoolean(REQUIRED);
    case 'date':
      return compileDate(echo, quote, REQUIRED);
    case 'datetime':
      return compileDatetime(echo, quote, REQUIRED);
    case 'code':
      return compileCode(el, echo, quote, REQUIRED);
  }
}

type Quote = (s: string) => string;

function compileString(el: DataElement, echo: boolean, quote: Quote, REQUIRED: CheckResult): Validator {
  const TYPE = frozenFail('type', '应为文本', 'expected a string');
  const maxLength = el.maxLength;
  const re = el.pattern !== undefined ? compilePattern(el.pattern) : undefined;
  const patternSrc = el.pattern ?? '';
  const rule = el.checkRule !== undefined ? RULES[el.checkRule] : undefined;
  const normalise = el.checkRule !== undefined ? NORMALISE[el.checkRule] : undefined;

  return (value) => {
    const t = textOf(value, REQUIRED, TYPE);
    if (typeof t !== 'string') return t;
    let s = t;
    if (s === '') return REQUIRED;
    if (maxLength !== undefined && s.length > maxLength) {
      const len = codePointLength(s);
      if (len > maxLength) {
        return fail(
          'max_length',
          `长度为${len}个字符，超过最大长度${maxLength}`,
          `length is ${len} characters, maximum is ${maxLength}`,
        );
      }
    }
    if (re !== undefined && !re.test(s)) {
      return echo
        ? fail(
            'pattern',
            `值${quote(s)}不符合格式 ${patternSrc}`,
            `value ${quote(s)} does not match pattern ${patternSrc}`,
          )
        : fail('pattern', `值不符合格式 ${patternSrc}`, `value does not match pattern ${patternSrc}`);
    }
    if (rule !== undefined) {
      const issue = rule(s);
      if (issue !== null) return { ok: false, issue };
      if (normalise !== undefined) s = normalise(s);
    }
    return { ok: true, value: s };
  };
}

function compileNumber(el: DataElement, echo: boolean, REQUIRED: CheckResult): Validator {
  const integer = el.type === 'integer';
  const TYPE = integer
    ? frozenFail('type', '应为整数', 'expected an integer')
    : frozenFail('type', '应为数值', 'expected a number');
  const min = el.minimum ?? -Infinity;
  const max = el.maximum ?? Infinity;
  const hasMin = el.minimum !== undefined;
  const hasMax = el.maximum !== undefined;
  const rangeZh = hasMin && hasMax ? `应在${min}至${max}之间` : hasMin ? `应不小于${min}` : `应不大于${max}`;
  const rangeEn =
    hasMin && hasMax
      ? `must be between ${min} and ${max}`
      : hasMin
        ? `must be at least ${min}`
        : `must be at most ${max}`;
  const OUT_OF_RANGE = integer
    ? frozenFail(
        'number_out_of_range',
        '整数超出可精确存储的范围（±9007199254740991）',
        'the integer is beyond what can be stored exactly (±9007199254740991)',
      )
    : frozenFail(
        'number_out_of_range',
        '数值超出可存储的范围（应为有限数，绝对值不大于1.7976931348623157e308，非零时不小于5e-324）',
        'the number is beyond what can be stored (it must be finite, at most 1.7976931348623157e308 in size and, unless zero, at least 5e-324)',
      );

  return (value) => {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string') {
      const bad = badText(value);
      if (bad !== null) return bad;
      const t = value.trim();
      if (t === '') return REQUIRED;
      if (!NUMERIC_RE.test(t)) return INFINITY_RE.test(t) ? OUT_OF_RANGE : TYPE;
      n = Number(t);
      // Too small to be told from zero (1e-400): not what was sent.
      if (n === 0 && /[1-9]/.test(t.replace(/[eE].*$/, ''))) return OUT_OF_RANGE;
    } else if (value === null || value === undefined) return REQUIRED;
    else return TYPE;
    if (Number.isNaN(n)) return TYPE;
    if (!Number.isFinite(n)) return OUT_OF_RANGE;
    if (integer && !Number.isInteger(n)) return TYPE;
    if (integer && !Number.isSafeInteger(n)) return OUT_OF_RANGE;
    if (n < min || n > max) {
      return echo
        ? fail('range', `值${n}${rangeZh}`, `value ${n} ${rangeEn}`)
        : fail('range', `值${rangeZh}`, `value ${rangeEn}`);
    }
    return { ok: true, value: n };
  };
}

function compileBoolean(REQUIRED: CheckResult): Validator {
  const TYPE = frozenFail(
    'type',
    '应为布尔值（true/false、1/0、是/否、yes/no）',
    'expected a boolean (true/false, 1/0, 是/否, yes/no)',
  );
  return (value) => {
    if (typeof value === 'boolean') return { ok: true, value };
    if (typeof value === 'string') {
      const bad = badText(value);
      if (bad !== null) return bad;
      const t = value.trim();
      if (t === '') return REQUIRED;
      const b = parseBooleanString(t);
      return b === undefined ? TYPE : { ok: true, value: b };
    }
    if (value === 1 || value === 0) return { ok: true, value: value === 1 };
    if (value === null || value === undefined) return REQUIRED;
    return TYPE;
  };
}

function compileDate(echo: boolean, quote: Quote, REQUIRED: CheckResult): Validator {
  const TYPE = frozenFail('type', '应为日期（YYYY-MM-DD）', 'expected a date (YYYY-MM-DD)');
  const zh = '应为有效日期，格式YYYY-MM-DD或YYYYMMDD';
  const en = 'must be a real calendar date formatted YYYY-MM-DD or YYYYMMDD';
  return (value) => {
    let s: string;
    if (typeof value === 'string') {
      const bad = badText(value);
      if (bad !== null) return bad;
      s = value.trim();
    } else if (typeof value === 'number' && Number.isInteger(value)) s = String(value);
    else if (value instanceof Date) {
      const d = dateToCstDateString(value);
      return d === null ? fail('format', `日期无效`, `invalid Date`) : { ok: true, value: d };
    } else if (value === null || value === undefined) return REQUIRED;
    else return TYPE;
    if (s === '') return REQUIRED;
    const d = parseDateString(s);
    if (d !== null) return { ok: true, value: d };
    return echo
      ? fail('format', `值${quote(s)}${zh}`, `value ${quote(s)} ${en}`)
      : fail('format', `值${zh}`, `value ${en}`);
  };
}

function compileDatetime(echo: boolean, quote: Quote, REQUIRED: CheckResult): Validator {
  const TYPE = frozenFail('type', '应为日期时间字符串（ISO 8601）', 'expected a date-time string (ISO 8601)');
  const zh = '应为带时间的有效ISO 8601日期时间，如2022-05-01T08:30:00+08:00（无时区时按北京时间）';
  const en =
    'must be a valid ISO 8601 date-time with a time, e.g. 2022-05-01T08:30:00+08:00 (no offset = China Standard Time)';
  return (value) => {
    let ms: number;
    let s = '';
    if (typeof value === 'string') {
      const bad = badText(value);
      if (bad !== null) return bad;
      s = value.trim();
      if (s === '') return REQUIRED;
      ms = parseDatetimeMs(s);
    } else if (value instanceof Date) ms = value.getTime();
    else if (value === null || value === undefined) return REQUIRED;
    else return TYPE;
    if (Number.isNaN(ms)) {
      return echo && s !== ''
        ? fail('format', `值${quote(s)}${zh}`, `value ${quote(s)} ${en}`)
        : fail('format', `值${zh}`, `value ${en}`);
    }
    return { ok: true, value: new Date(ms).toISOString() };
  };
}

function compileCode(el: DataElement, echo: boolean, quote: Quote, REQUIRED: CheckResult): Validator {
  const entries = el.valueSet;
  if (entries === undefined || entries.length === 0) {
    throw new Error(`data element ${el.code}: type 'code' requires a non-empty valueSet`);
  }
  const codes = new Set(entries.map((e) => e.code));
  const listed = entries
    .slice(0, MAX_LISTED_CODES)
    .map((e) => e.code)
    .join(', ');
  const more = entries.length > MAX_LISTED_CODES;
  const allowedZh = `取值应为以下代码之一：${listed}${more ? ` 等共${entries.length}个` : ''}`;
  const allowedEn = `must be one of: ${listed}${more ? ` (… ${entries.length} codes in total)` : ''}`;
  const TYPE = frozenFail('type', '应为代码（文本）', 'expected a code (string)');
  const NOT_IN_SET = frozenFail(
    'value_set',
    `值不在值域内，${allowedZh}`,
    `value is not in the value set; it ${allowedEn}`,
  );

  return (value) => {
    const t = textOf(value, REQUIRED, TYPE);
    if (typeof t !== 'string') return t;
    const s: string = t;
    if (s === '') return REQUIRED;
    if (codes.has(s)) return { ok: true, value: s };
    if (!echo) return NOT_IN_SET;
    return fail(
      'value_set',
      `值${quote(s)}不在值域内，${allowedZh}`,
      `value ${quote(s)} is not in the value set; it ${allowedEn}`,
    );
  };
}
