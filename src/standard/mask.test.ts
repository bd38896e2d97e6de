import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMask } from './mask.js';
import type { Mask } from './types.js';

const ALL_MASKS: Mask[] = [
  { type: 'none' },
  { type: 'show_first_last', first: 4, last: 4 },
  { type: 'show_first', n: 6 },
  { type: 'show_last', n: 4 },
  { type: 'name' },
  { type: 'phone' },
  { type: 'hash' },
  { type: 'null' },
  { type: 'year_only' },
];

describe('applyMask', () => {
  test('none returns the value unchanged', () => {
    assert.equal(applyMask({ type: 'none' }, 'abc'), 'abc');
    assert.equal(applyMask({ type: 'none' }, 42), 42);
    assert.equal(applyMask({ type: 'none' }, false), false);
  });

  test('show_first_last', () => {
    assert.equal(applyMask({ type: 'show_first_last', first: 4, last: 4 }, '440106199001011234'), '4401**********1234');
    assert.equal(applyMask({ type: 'show_first_last', first: 1, last: 1 }, '𠀀𠀁𠀂𠀃'), '𠀀**𠀃');
    // too short to hide anything: hide everything rather than reveal it
    assert.equal(applyMask({ type: 'show_first_last', first: 4, last: 4 }, '12345678'), '********');
  });

  test('show_first and show_last', () => {
    assert.equal(applyMask({ type: 'show_first', n: 6 }, '广东省广州市天河区天河路1号'), '广东省广州市********');
    assert.equal(applyMask({ type: 'show_last', n: 4 }, '13812345678'), '*******5678');
    assert.equal(applyMask({ type: 'show_first', n: 6 }, '广州市'), '***');
    assert.equal(applyMask({ type: 'show_last', n: 2 }, '𠀀𠀁𠀂'), '*𠀁𠀂');
  });

  test('name', () => {
    assert.equal(applyMask({ type: 'name' }, '张三丰'), '张*丰');
    assert.equal(applyMask({ type: 'name' }, '张三'), '张*');
    assert.equal(applyMask({ type: 'name' }, '欧阳娜娜'), '欧**娜');
    assert.equal(applyMask({ type: 'name' }, '𠀀三丰'), '𠀀*丰');
    assert.equal(applyMask({ type: 'name' }, '张'), '*');
  });

  test('phone', () => {
    assert.equal(applyMask({ type: 'phone' }, '13812345678'), '138****5678');
    assert.equal(applyMask({ type: 'phone' }, '1381234'), '*******');
  });

  test('hash is the first 16 hex chars of SHA-256', () => {
    assert.equal(applyMask({ type: 'hash' }, 'abc'), 'ba7816bf8f01cfea'); // SHA-256("abc") = ba7816bf8f01cfea414140de...
    assert.equal(applyMask({ type: 'hash' }, 123), applyMask({ type: 'hash' }, '123'));
    assert.notEqual(applyMask({ type: 'hash' }, 'abd'), 'ba7816bf8f01cfea');
  });

  test('null mask', () => {
    assert.equal(applyMask({ type: 'null' }, 'abc'), null);
    assert.equal(applyMask({ type: 'null' }, true), null);
  });

  test('year_only', () => {
    assert.equal(applyMask({ type: 'year_only' }, '1990-05-17'), '1990');
    assert.equal(applyMask({ type: 'year_only' }, '19900517'), '1990');
    assert.equal(applyMask({ type: 'year_only' }, '2022-05-01T00:30:00.000Z'), '2022');
    // 2021-12-31T16:30Z is 2022-01-01 00:30 in China Standard Time
    assert.equal(applyMask({ type: 'year_only' }, '2021-12-31T16:30:00.000Z'), '2022');
    assert.equal(applyMask({ type: 'year_only' }, 'not a date'), null);
  });

  test('null stays null for every mask', () => {
    for (const m of ALL_MASKS) assert.equal(applyMask(m, null), null, m.type);
  });
});
