import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileValidator } from './validate.js';
import { generateCitizenId, generateCreditCode } from './checks.js';
import type { CheckResult, DataElement, ValidationCode } from './types.js';

function el(partial: Partial<DataElement> & Pick<DataElement, 'type'>): DataElement {
  return {
    code: 'x_el',
    name: { 'zh-CN': '测试', en: 'Test' },
    sensitivity: 1,
    mask: { type: 'none' },
    version: 1,
    ...partial,
  };
}

function ok(r: CheckResult): string | number | boolean {
  if (!r.ok) assert.fail(`expected ok, got ${r.issue.code}: ${r.issue.message.en}`);
  return r.value;
}

function failCode(r: CheckResult): ValidationCode {
  if (r.ok) assert.fail(`expected failure, got ok ${String(r.value)}`);
  return r.issue.code;
}

function messages(r: CheckResult): string {
  if (r.ok) assert.fail('expected failure');
  return `${r.issue.message.en} | ${r.issue.message['zh-CN']}`;
}

describe('required', () => {
  test('null, undefined, empty and blank strings are required-missing for every type', () => {
    const types: DataElement['type'][] = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];
    const validators = [
      ...types.map((type) => compileValidator(el({ type }))),
      compileValidator(el({ type: 'code', valueSet: [{ code: 'a', name: { 'zh-CN': '甲', en: 'A' } }] })),
    ];
    for (const v of validators) {
      for (const value of [null, undefined, '', '   ']) assert.equal(failCode(v(value)), 'required');
    }
  });
});

describe('string', () => {
  test('happy path trims and converts numbers', () => {
    const v = compileValidator(el({ type: 'string' }));
    assert.equal(ok(v('  abc ')), 'abc');
    assert.equal(ok(v(42)), '42');
    assert.equal(failCode(v(true)), 'type');
    assert.equal(failCode(v({})), 'type');
    assert.equal(failCode(v(Number.NaN)), 'type');
  });

  test('maxLength counts code points', () => {
    const v = compileValidator(el({ type: 'string', maxLength: 3 }));
    assert.equal(ok(v('𠀀𠀁𠀂')), '𠀀𠀁𠀂'); // 6 UTF-16 units, 3 code points
    const r = v('张三丰丰');
    assert.equal(failCode(r), 'max_length');
    assert.match(messages(r), /length is 4 characters, maximum is 3/);
    assert.match(messages(r), /长度为4个字符，超过最大长度3/);
  });

  test('pattern is anchored to the whole value', () => {
    const v = compileValidator(el({ type: 'string', pattern: '[A-Z]{2}' }));
    assert.equal(ok(v('AB')), 'AB');
    assert.equal(failCode(v('ABC')), 'pattern');
    assert.equal(failCode(v('xAB')), 'pattern');
    const alt = compileValidator(el({ type: 'string', pattern: 'a|b' }));
    assert.equal(failCode(alt('ab')), 'pattern'); // alternation must not escape the anchors
  });

  test('pattern message echoes the value only for low sensitivity', () => {
    const pub = compileValidator(el({ type: 'string', pattern: '^[0-9]+$', sensitivity: 2 }));
    assert.match(messages(pub('abc')), /"abc"/);
    const priv = compileValidator(el({ type: 'string', pattern: '^[0-9]+$', sensitivity: 3 }));
    const m = messages(priv('secretvalue'));
    assert.ok(!m.includes('secretvalue'), m);
    assert.match(m, /does not match pattern/);
  });

  test('echo: false never quotes a value, whatever the sensitivity', () => {
    const lab = el({ type: 'string', pattern: '[A-Z]{2}', sensitivity: 1 });
    assert.match(messages(compileValidator(lab)('abc')), /"abc"/);
    for (const v of [
      compileValidator(lab, { echo: false })('abc'),
      compileValidator(el({ type: 'integer', maximum: 5 }), { echo: false })(6789),
      compileValidator(el({ type: 'date' }), { echo: false })('abc'),
      compileValidator(el({ type: 'datetime' }), { echo: false })('abc'),
      compileValidator(el({ type: 'code', valueSet: [{ code: 'a', name: { 'zh-CN': '甲', en: 'A' } }] }), {
        echo: false,
      })('abc'),
    ])
      assert.doesNotMatch(messages(v), /abc|6789/);
  });

  test('gb11643 rule: normalises x, reports check char, format, division without echoing', () => {
    const v = compileValidator(el({ type: 'string', checkRule: 'gb11643', sensitivity: 4 }));
    assert.equal(ok(v('11010519491231002x')), '11010519491231002X');
    assert.equal(ok(v(' 11010519491231002X ')), '11010519491231002X');
    const bad = v('110105194912310021');
    assert.equal(failCode(bad), 'check_character');
    assert.ok(!messages(bad).includes('110105194912310021'));
    assert.equal(failCode(v('1101051949123100')), 'format');
    assert.equal(failCode(v('110105194902300010')), 'format');
    assert.equal(failCode(v(generateCitizenId('990105', '19900101', 1))), 'division');
  });

  test('gb32100 rule: upper-cases, check char, format, division', () => {
    const v = compileValidator(el({ type: 'string', checkRule: 'gb32100' }));
    assert.equal(ok(v('91350100m000100y43')), '91350100M000100Y43');
    assert.equal(failCode(v('91350100M000100Y44')), 'check_character');
    assert.equal(failCode(v('91350100M000100Z43')), 'format');
    assert.equal(failCode(v(generateCreditCode('91990100M000100Y4'))), 'division');
  });

  test('gbt2260 and cn_mobile rules', () => {
    const div = compileValidator(el({ type: 'string', checkRule: 'gbt2260' }));
    assert.equal(ok(div('440106')), '440106');
    assert.equal(ok(div(440106)), '440106');
    assert.equal(failCode(div('440199')), 'division');
    assert.equal(failCode(div('99')), 'division');
    const mob = compileValidator(el({ type: 'string', checkRule: 'cn_mobile', sensitivity: 3 }));
    assert.equal(ok(mob('13812345678')), '13812345678');
    const r = mob('12345678901');
    assert.equal(failCode(r), 'format');
    assert.ok(!messages(r).includes('12345678901'));
  });
});

describe('integer and number', () => {
  test('integer accepts numbers and numeric strings, rejects fractions', () => {
    const v = compileValidator(el({ type: 'integer', minimum: 1, maximum: 5 }));
    assert.equal(ok(v(3)), 3);
    assert.equal(ok(v(' 2 ')), 2);
    assert.equal(failCode(v('2.5')), 'type');
    assert.equal(failCode(v(2.5)), 'type');
    assert.equal(failCode(v('two')), 'type');
    assert.equal(failCode(v('0x10')), 'type');
    assert.equal(failCode(v(Infinity)), 'number_out_of_range');
    assert.equal(failCode(v(true)), 'type');
  });

  test('range with concrete bounds; value echoed only when not sensitive', () => {
    const v = compileValidator(el({ type: 'integer', minimum: 1, maximum: 5 }));
    const r = v(6);
    assert.equal(failCode(r), 'range');
    assert.match(messages(r), /value 6 must be between 1 and 5/);
    assert.match(messages(r), /应在1至5之间/);
    assert.equal(failCode(v('0')), 'range');
    const t = compileValidator(el({ type: 'number', minimum: 30, maximum: 45, sensitivity: 3 }));
    assert.equal(ok(t('36.5')), 36.5);
    assert.equal(ok(t(45)), 45);
    const hot = t('46.25');
    assert.equal(failCode(hot), 'range');
    assert.ok(!messages(hot).includes('46.25'));
    assert.match(messages(hot), /between 30 and 45/);
    const minOnly = compileValidator(el({ type: 'number', minimum: 0 }));
    assert.match(messages(minOnly(-1)), /at least 0/);
    assert.equal(ok(minOnly('1e3')), 1000);
  });
});

describe('what cannot be stored as sent', () => {
  const all = () => [
    ...(['string', 'integer', 'number', 'boolean', 'date', 'datetime'] as const).map((type) =>
      compileValidator(el({ type })),
    ),
    compileValidator(el({ type: 'code', valueSet: [{ code: 'a', name: { 'zh-CN': '甲', en: 'A' } }] })),
    compileValidator(el({ type: 'string', pattern: '[a-z]+', sensitivity: 1 })),
  ];

  test('a NUL, an unpaired surrogate or U+FFFD in any text is invalid_characters, named by position only', () => {
    for (const v of all()) {
      for (const [value, at] of [
        ['ab\u0000c', 3],
        ['\ud800x', 1],
        ['x\udc00', 2],
        ['𠀀\ud83d', 2],
        ['张\ufffd三', 2],
      ] as const) {
        const r = v(value);
        assert.equal(failCode(r), 'invalid_characters', JSON.stringify(value));
        assert.match(messages(r), new RegExp(`character ${at} `));
        assert.match(messages(r), new RegExp(`第${at}个字符`));
        // eslint-disable-next-line no-control-regex -- a NUL is what must not be there
        assert.doesNotMatch(messages(r), /[\u0000\ud800-\udfff]|张|ab/, 'the value is not echoed');
      }
    }
    // Proper pairs (CJK Extension B) and ordinary controls are text like any other.
    assert.equal(ok(compileValidator(el({ type: 'string' }))('𠀀𠀁 a\tb')), '𠀀𠀁 a\tb');
  });

  test('integers beyond ±(2^53-1), and numbers that are not finite, are number_out_of_range', () => {
    const int = compileValidator(el({ type: 'integer' }));
    assert.equal(ok(int(9007199254740991)), 9007199254740991);
    assert.equal(ok(int('-9007199254740991')), -9007199254740991);
    for (const v of [
      Number('99999999999999999999'),
      '99999999999999999999',
      9007199254740992,
      1e308,
      '1e308',
      -Infinity,
    ])
      assert.equal(failCode(int(v)), 'number_out_of_range', String(v));
    const num = compileValidator(el({ type: 'number' }));
    assert.equal(ok(num(1e308)), 1e308);
    assert.equal(ok(num('-1.7976931348623157e308')), -1.7976931348623157e308);
    assert.equal(ok(num('0e5')), 0);
    assert.equal(ok(num('-0.000')), -0);
    assert.equal(ok(num('5e-324')), 5e-324);
    for (const v of [Infinity, '1e309', '-1e400', 'Infinity', '-infinity', '+Inf', '∞', '1e-400', '-2.5E-999'])
      assert.equal(failCode(num(v)), 'number_out_of_range', String(v));
    for (const v of [Number.NaN, 'NaN', '1e', '--1']) assert.equal(failCode(num(v)), 'type', String(v));
    const r = num('1e309');
    assert.match(messages(r), /beyond what can be stored/);
    assert.match(messages(r), /超出/);
  });

  test('a number sent for a text or a code is kept only when exact', () => {
    const text = compileValidator(el({ type: 'string' }));
    assert.equal(ok(text(9007199254740991)), '9007199254740991');
    assert.equal(ok(text(2.5)), '2.5');
    assert.equal(failCode(text(Number('440106199001011234'))), 'number_out_of_range'); // an ID number sent as a number
    assert.equal(failCode(text(Infinity)), 'number_out_of_range');
    const code = compileValidator(el({ type: 'code', valueSet: [{ code: '1', name: { 'zh-CN': '一', en: 'one' } }] }));
    assert.equal(ok(code(1)), '1');
    assert.equal(failCode(code(1e21)), 'number_out_of_range');
    assert.match(messages(code(1e21)), /send it as a string/);
  });
});

describe('boolean', () => {
  test('accepted spellings', () => {
    const v = compileValidator(el({ type: 'boolean' }));
    const cases: [unknown, boolean][] = [
      [true, true],
      [false, false],
      ['true', true],
      ['false', false],
      ['TRUE', true],
      ['1', true],
      ['0', false],
      ['是', true],
      ['否', false],
      ['yes', true],
      ['No', false],
      [1, true],
      [0, false],
    ];
    for (const [input, expected] of cases) assert.equal(ok(v(input)), expected, String(input));
    assert.equal(failCode(v('maybe')), 'type');
    assert.equal(failCode(v(2)), 'type');
  });
});

describe('date', () => {
  test('YYYY-MM-DD and YYYYMMDD', () => {
    const v = compileValidator(el({ type: 'date' }));
    assert.equal(ok(v('2022-05-01')), '2022-05-01');
    assert.equal(ok(v('20220501')), '2022-05-01');
    assert.equal(ok(v(20220501)), '2022-05-01');
    assert.equal(ok(v('2024-02-29')), '2024-02-29');
    assert.equal(ok(v(new Date('2022-04-30T16:00:00Z'))), '2022-05-01'); // midnight CST
  });

  test('invalid dates are format errors', () => {
    const v = compileValidator(el({ type: 'date', sensitivity: 4 }));
    for (const bad of [
      '2022-02-30',
      '2023-02-29',
      '2022-13-01',
      '2022/05/01',
      '2022-5-1',
      '22-05-01',
      '2022-05-01T00:00:00Z',
    ]) {
      assert.equal(failCode(v(bad)), 'format', bad);
    }
    const m = messages(v('2022-02-30'));
    assert.ok(!m.includes('2022-02-30'));
    assert.match(m, /YYYY-MM-DD/);
    assert.equal(failCode(v(true)), 'type');
    assert.equal(failCode(v(new Date('nope'))), 'format');
  });
});

describe('datetime', () => {
  const v = compileValidator(el({ type: 'datetime' }));
  test('with offsets', () => {
    assert.equal(ok(v('2022-05-01T08:30:00+08:00')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-05-01T00:30:00Z')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-05-01T08:30:00+0800')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-05-01T08:30:00+08')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-04-30T19:30:00-05:00')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-05-01T00:30:00.123456Z')), '2022-05-01T00:30:00.123Z');
    assert.equal(ok(v('2022-05-01t00:30:00.5z')), '2022-05-01T00:30:00.500Z');
  });

  test('without offset = China Standard Time', () => {
    assert.equal(ok(v('2022-05-01 08:30:00')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-05-01T08:30')), '2022-05-01T00:30:00.000Z');
    assert.equal(ok(v('2022-01-01 07:00:00')), '2021-12-31T23:00:00.000Z');
    assert.equal(ok(v('2024-03-01 00:00:00')), '2024-02-29T16:00:00.000Z');
  });

  test('Date instances', () => {
    assert.equal(ok(v(new Date(Date.UTC(2022, 4, 1, 0, 30)))), '2022-05-01T00:30:00.000Z');
    assert.equal(failCode(v(new Date('invalid'))), 'format');
  });

  test('invalid values are format errors', () => {
    for (const bad of [
      '2022-05-01',
      '2022-02-30T08:00:00Z',
      '2022-05-01T24:00:00Z',
      '2022-05-01T08:60:00Z',
      '2022-05-01T08:30:61Z',
      '2022-05-01T08:30:00+25:00',
      '2022-05-01T08:30:00Q',
      '2022-05-01T08:30:0',
      '2022-05-01T08:30:00.',
      'yesterday',
      '2022-05-01X08:30:00',
      '2022-05-01T08:30:00Z x',
      '2022-05-01T08:30:00+08:0',
    ]) {
      assert.equal(failCode(v(bad)), 'format', bad);
    }
    assert.equal(failCode(v(1651365000000)), 'type');
    const priv = compileValidator(el({ type: 'datetime', sensitivity: 3 }));
    const m = messages(priv('2022-13-01T00:00:00Z'));
    assert.ok(!m.includes('2022-13-01'));
    assert.match(m, /ISO 8601/);
  });
});

describe('code', () => {
  const sex = el({
    type: 'code',
    sensitivity: 3,
    valueSet: [
      { code: '0', name: { 'zh-CN': '未知', en: 'unknown' } },
      { code: '1', name: { 'zh-CN': '男', en: 'male' } },
      { code: '2', name: { 'zh-CN': '女', en: 'female' } },
      { code: '9', name: { 'zh-CN': '未说明', en: 'unspecified' } },
    ],
  });

  test('exact codes, numbers converted', () => {
    const v = compileValidator(sex);
    assert.equal(ok(v('1')), '1');
    assert.equal(ok(v(2)), '2');
    assert.equal(ok(v(' 9 ')), '9');
  });

  test('value_set failure lists allowed codes and hides sensitive values', () => {
    const v = compileValidator(sex);
    const r = v('男');
    assert.equal(failCode(r), 'value_set');
    assert.match(messages(r), /one of: 0, 1, 2, 9/);
    assert.ok(!messages(r).includes('男'), messages(r));
    assert.equal(failCode(v(true)), 'type');
  });

  test('long value sets are truncated in messages; low sensitivity echoes value', () => {
    const big = el({
      type: 'code',
      valueSet: Array.from({ length: 15 }, (_, i) => ({ code: `c${i}`, name: { 'zh-CN': `码${i}`, en: `code ${i}` } })),
    });
    const v = compileValidator(big);
    assert.equal(ok(v('c14')), 'c14');
    const m = messages(v('zz'));
    assert.match(m, /"zz"/);
    assert.match(m, /c9/);
    assert.ok(!m.includes('c10'), m);
    assert.match(m, /15 codes in total/);
  });

  test('code without a value set fails to compile', () => {
    assert.throws(() => compileValidator(el({ type: 'code' })), /valueSet/);
  });
});

describe('compiled validators', () => {
  test('are reusable and shared failures are immutable', () => {
    const v = compileValidator(el({ type: 'integer' }));
    const a = v('x');
    const b = v('y');
    assert.equal(a, b); // same precomputed object: no allocation for value-independent failures
    assert.ok(Object.isFrozen(a));
    for (let i = 0; i < 1000; i++) assert.equal(ok(v(i)), i);
  });

  test('invalid pattern fails at compile time', () => {
    assert.throws(() => compileValidator(el({ type: 'string', pattern: '([a-z' })), SyntaxError);
  });
});
