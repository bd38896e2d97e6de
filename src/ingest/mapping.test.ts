import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDateFormat } from './dateformat.js';
import { compileMapping, type MapIssue } from './mapping.js';
import { Problem } from '../core/problem.js';

test('local date formats, packed or separated, become ISO with the profile timezone', () => {
  assert.equal(compileDateFormat('YYYY/MM/DD HH:mm', 'datetime')('2022/5/1 8:30'), '2022-05-01T08:30:00+08:00');
  assert.equal(
    compileDateFormat('YYYYMMDDHHmmss', 'datetime', '+00:00')('20220501083005'),
    '2022-05-01T08:30:05+00:00',
  );
  assert.equal(compileDateFormat('DD.MM.YYYY', 'date')('17.05.1990'), '1990-05-17');
  assert.equal(compileDateFormat('YYYYMMDD', 'date')('1990517'), undefined);
  assert.equal(compileDateFormat('YYYY-MM-DD', 'date')('1990/05/17'), undefined);
  assert.throws(() => compileDateFormat('HH:mm', 'datetime'), /needs YYYY, MM and DD/);
});

const fields = [
  { name: 'citizen_id', type: 'string' },
  { name: 'sample_time', type: 'datetime' },
  { name: 'result', type: 'code' },
  { name: 'lab_code', type: 'string' },
];

test('a profile renames, drops, defaults, translates codes and parses dates', () => {
  const m = compileMapping(
    {
      columns: { 身份证号: 'citizen_id', 时间: 'sample_time', 结果: 'result' },
      ignore: ['备注'],
      defaults: { lab_code: 'GZ-LAB' },
      codes: { result: { 阴性: 'negative' } },
      dateFormats: { sample_time: 'YYYY/MM/DD HH:mm' },
    },
    fields,
  );
  const issues: MapIssue[] = [];
  assert.deepEqual(m.map({ 身份证号: 'X', 时间: '2022/05/01 08:30', 结果: '阴性', 备注: 'n/a' }, issues), {
    citizen_id: 'X',
    sample_time: '2022-05-01T08:30:00+08:00',
    result: 'negative',
    lab_code: 'GZ-LAB',
  });
  assert.deepEqual(issues, []);
  const more: MapIssue[] = [];
  m.map({ 身份证号: 'X', 时间: 'soon', 鞋码: '42' }, more);
  assert.deepEqual(
    more.map((i) => [i.field, i.code]),
    [
      ['鞋码', 'unknown_field'],
      ['sample_time', 'date_format'],
    ],
  );
  assert.throws(
    () => m.checkColumns(['身份证号', '鞋码']),
    (e: unknown) => e instanceof Problem && e.code === 'unknown_field' && /鞋码/.test(e.detail ?? ''),
  );
  m.checkColumns(['身份证号', '时间', '结果', '备注', 'lab_code']);
});

test('without a profile, columns must be the dataset fields; ignoreUnknown drops the rest', () => {
  const identity = compileMapping(undefined, fields);
  const issues: MapIssue[] = [];
  identity.map({ citizen_id: 'X', extra: 1 }, issues);
  assert.deepEqual(
    issues.map((i) => i.field),
    ['extra'],
  );
  const lenient = compileMapping({ ignoreUnknown: true }, fields);
  const none: MapIssue[] = [];
  assert.deepEqual(lenient.map({ citizen_id: 'X', extra: 1 }, none), { citizen_id: 'X' });
  assert.deepEqual(none, []);
});

test('a broken profile is refused with the reason', () => {
  const bad = (spec: object, re: RegExp) =>
    assert.throws(
      () => compileMapping(spec, fields),
      (e: unknown) => e instanceof Problem && e.code === 'invalid_mapping' && re.test(e.detail ?? ''),
    );
  bad({ columns: { a: 'nope' } }, /nope is not a field/);
  bad({ dateFormats: { result: 'YYYY' } }, /not a date or datetime field/);
  bad({ dateFormats: { sample_time: 'HH:mm' } }, /needs YYYY/);
  bad({ codes: { nope: {} } }, /not a field/);
  bad({ defaults: { nope: 1 } }, /not a field/);
});
