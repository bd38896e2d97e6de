import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gb11643CheckChar,
  gb32100CheckChar,
  generateCitizenId,
  generateCreditCode,
  validateCitizenId,
  validateCnMobile,
  validateCreditCode,
  validateDivisionCode,
} from './checks.js';
import { GUANGDONG, PROVINCES, divisionByCode, isKnownDivision } from './divisions.js';
import { todayCstYmd } from './dates.js';

/** Replaces the last character of `s`. */
const withLast = (s: string, c: string): string => s.slice(0, -1) + c;

describe('GB 11643 citizen ID', () => {
  test('check character of the standard examples', () => {
    assert.equal(gb11643CheckChar('11010519491231002'), 'X');
    assert.equal(gb11643CheckChar('44052418800101001'), '4');
    assert.equal(gb11643CheckChar('44010619900101123'), '5'); // computed by hand
  });

  test('check characters cover every remainder including X', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) seen.add(generateCitizenId('440106', '19900101', seq).charAt(17));
    assert.deepEqual([...seen].sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  test('gb11643CheckChar rejects bad input', () => {
    assert.throws(() => gb11643CheckChar('1234'), RangeError);
    assert.throws(() => gb11643CheckChar('1101051949123100A'), RangeError);
  });

  test('valid IDs (upper- and lower-case X) pass', () => {
    assert.equal(validateCitizenId('11010519491231002X'), null);
    assert.equal(validateCitizenId('11010519491231002x'), null);
    const id = generateCitizenId('440106', '19900101', 123);
    assert.match(id, /^44010619900101123[0-9X]$/);
    assert.equal(validateCitizenId(id), null);
  });

  test('wrong X check character is reported without echoing the number', () => {
    const issue = validateCitizenId('110105194912310021');
    assert.ok(issue);
    assert.equal(issue.code, 'check_character');
    assert.equal(issue.message.en, 'citizen ID check character is 1, expected X');
    assert.equal(issue.message['zh-CN'], '公民身份号码校验码为1，应为X');
    assert.ok(!issue.message.en.includes('11010519491231'));
  });

  test('X where a digit is expected, and a lowercase x where a digit is expected', () => {
    const id = generateCitizenId('440106', '19900101', 5);
    assert.notEqual(id.charAt(17), 'X');
    const expected = id.charAt(17);
    const upper = validateCitizenId(withLast(id, 'X'));
    assert.equal(upper?.code, 'check_character');
    assert.equal(upper?.message.en, `citizen ID check character is X, expected ${expected}`);
    const lower = validateCitizenId(withLast(id, 'x'));
    assert.equal(lower?.message.en, `citizen ID check character is X, expected ${expected}`);
  });

  test('a one-digit change in the body is caught', () => {
    const id = generateCitizenId('440106', '19900101', 123);
    const altered = id.slice(0, 15) + String((Number(id.charAt(15)) + 1) % 10) + id.slice(16);
    assert.equal(validateCitizenId(altered)?.code, 'check_character');
  });

  test('length and charset errors are format issues', () => {
    assert.equal(validateCitizenId('11010519491231002')?.code, 'format');
    assert.match(validateCitizenId('11010519491231002')?.message.en ?? '', /18 characters, got 17/);
    assert.equal(validateCitizenId('1101051949123100AX')?.code, 'format');
    assert.match(validateCitizenId('1101051949123100AX')?.message.en ?? '', /character 17 must be a digit/);
    assert.equal(validateCitizenId('11010519491231002Y')?.code, 'format');
  });

  test('bad birth dates', () => {
    const feb30 = generateCitizenId('440106', '19900101', 1).replace('19900101', '19900230');
    const fixed = feb30.slice(0, 17) + gb11643CheckChar(feb30.slice(0, 17));
    const f = validateCitizenId(fixed);
    assert.equal(f?.code, 'format');
    assert.match(f?.message.en ?? '', /not a valid calendar date/);
    // 1900 is not a leap year
    const feb29 = '44010619000229001';
    assert.equal(validateCitizenId(feb29 + gb11643CheckChar(feb29))?.code, 'format');
    const leap = '44010620000229001';
    assert.equal(validateCitizenId(leap + gb11643CheckChar(leap)), null);
    // standard example born 1880: valid check char but before 1900
    const old = validateCitizenId('440524188001010014');
    assert.equal(old?.code, 'format');
    assert.match(old?.message.en ?? '', /before 1900/);
    // born in the future
    const next = String(todayCstYmd() + 10000); // same day next year
    const future = validateCitizenId(
      generateCitizenId('440106', next.endsWith('0229') ? next.slice(0, 6) + '28' : next, 1),
    );
    assert.equal(future?.code, 'format');
    assert.match(future?.message.en ?? '', /after today/);
  });

  test('bad province prefix is a division issue', () => {
    const id = generateCitizenId('990105', '19900101', 1);
    assert.equal(validateCitizenId(id)?.code, 'division');
    const id2 = generateCitizenId('000000', '19900101', 1);
    assert.equal(validateCitizenId(id2)?.code, 'division');
  });

  test('old (abolished) county codes are still accepted in IDs', () => {
    // 440102 东山区 was merged into 越秀区 in 2005, but IDs issued before keep it
    assert.equal(validateCitizenId(generateCitizenId('440102', '19800101', 7)), null);
  });

  test('generateCitizenId accepts a Date (CST calendar day) and validates its input', () => {
    const id = generateCitizenId('440106', new Date('1990-05-16T16:30:00Z'), 42); // 1990-05-17 00:30 CST
    assert.equal(id.slice(6, 17), '19900517042');
    assert.throws(() => generateCitizenId('44010', '19900101', 1), RangeError);
    assert.throws(() => generateCitizenId('440106', '19900231', 1), RangeError);
    assert.throws(() => generateCitizenId('440106', '19900101', 1000), RangeError);
  });
});

describe('GB 32100 unified social credit code', () => {
  test('published real code is valid and its check char is computed', () => {
    assert.equal(gb32100CheckChar('91350100M000100Y4'), '3');
    assert.equal(validateCreditCode('91350100M000100Y43'), null);
  });

  test('one-char-altered copies fail', () => {
    const last = validateCreditCode('91350100M000100Y44');
    assert.equal(last?.code, 'check_character');
    assert.equal(last?.message.en, 'credit code check character is 4, expected 3');
    assert.equal(last?.message['zh-CN'], '统一社会信用代码校验码为4，应为3');
    assert.equal(validateCreditCode('91350100M000200Y43')?.code, 'check_character');
  });

  test('remainder 0 maps to check char 0 (31 -> 0)', () => {
    assert.equal(gb32100CheckChar('00000000000000000'), '0');
  });

  test('generated codes validate; lower case is accepted', () => {
    const code = generateCreditCode('12440100MB2C3D4E5');
    assert.equal(code.length, 18);
    assert.equal(validateCreditCode(code), null);
    assert.equal(validateCreditCode('91350100m000100y43'), null);
    assert.equal(generateCreditCode('91350100m000100y4'), '91350100M000100Y43');
    assert.equal(generateCreditCode('12440100MB2C3D4E5'), '12440100MB2C3D4E5K'); // computed by hand
  });

  test('charset, length and division errors', () => {
    assert.equal(validateCreditCode('91350100I000100Y43')?.code, 'format'); // I not allowed
    assert.match(validateCreditCode('91350100I000100Y43')?.message.en ?? '', /character 9 is not allowed/);
    assert.equal(validateCreditCode('91350100M000100Y4')?.code, 'format');
    assert.equal(validateCreditCode('913501A0M000100Y43')?.code, 'format');
    assert.equal(validateCreditCode(generateCreditCode('91990100M000100Y4'))?.code, 'division');
    assert.equal(validateCreditCode(generateCreditCode('11100000000013127')), null); // central-level registration
    assert.throws(() => gb32100CheckChar('91350100O000100Y4'), RangeError);
    assert.throws(() => gb32100CheckChar('123'), RangeError);
  });
});

describe('GB/T 2260 division codes', () => {
  test('Guangdong codes must be in the shipped list', () => {
    for (const c of ['440000', '440100', '440106', '440311', '441900', '442000', '445381']) {
      assert.equal(validateDivisionCode(c), null, c);
    }
    for (const c of ['440101', '440102', '440312', '441901', '449999']) {
      assert.equal(validateDivisionCode(c)?.code, 'division', c);
    }
  });

  test('other provinces: format and province only', () => {
    assert.equal(validateDivisionCode('110101'), null);
    assert.equal(validateDivisionCode('820000'), null);
    assert.equal(validateDivisionCode('990101')?.code, 'division');
    assert.equal(validateDivisionCode('160101')?.code, 'division');
    assert.equal(validateDivisionCode('44010')?.code, 'division');
    assert.equal(validateDivisionCode('4401a6')?.code, 'division');
  });

  test('division table is complete and consistent', () => {
    assert.equal(Object.keys(PROVINCES).length, 34);
    assert.equal(PROVINCES['44']?.['zh-CN'], '广东省');
    assert.equal(PROVINCES['81']?.en, 'Hong Kong');
    const cities = GUANGDONG.filter((d) => d.level === 'city');
    const districts = GUANGDONG.filter((d) => d.level === 'district');
    assert.equal(cities.length, 21);
    assert.equal(districts.length, 122);
    assert.equal(new Set(GUANGDONG.map((d) => d.code)).size, GUANGDONG.length);
    for (const d of districts) {
      const parent = divisionByCode(d.parent ?? '');
      assert.equal(parent?.level, 'city', d.code);
      assert.equal(d.code.slice(0, 4), parent?.code.slice(0, 4), d.code);
    }
    for (const d of GUANGDONG) {
      assert.match(d.code, /^44\d{4}$/);
      assert.ok(d.name['zh-CN'] && d.name.en, d.code);
    }
    assert.equal(GUANGDONG.filter((d) => d.parent === '441900' || d.parent === '442000').length, 0);
    assert.equal(divisionByCode('440106')?.name.en, 'Tianhe District');
    assert.equal(divisionByCode('440100')?.name.en, 'Guangzhou');
    assert.equal(divisionByCode('440304')?.name['zh-CN'], '福田区');
    assert.equal(isKnownDivision('440312'), false);
  });
});

describe('mainland mobile numbers', () => {
  test('valid and invalid', () => {
    assert.equal(validateCnMobile('13812345678'), null);
    assert.equal(validateCnMobile('19912345678'), null);
    assert.equal(validateCnMobile('12812345678')?.code, 'format');
    assert.equal(validateCnMobile('23812345678')?.code, 'format');
    assert.equal(validateCnMobile('1381234567')?.code, 'format');
    assert.equal(validateCnMobile('1381234567a')?.code, 'format');
    assert.ok(!(validateCnMobile('12812345678')?.message.en ?? '').includes('12812345678'));
  });
});
