import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_ELEMENTS, baselineElementMap } from './baseline.js';
import { applyMask } from './mask.js';
import { compilePattern, compileValidator } from './validate.js';
import type { CheckRule, ElementType, Sensitivity } from './types.js';

/** The specification table: code -> [sensitivity, type, checkRule]. */
const SPEC: Record<string, [Sensitivity, ElementType, CheckRule?]> = {
  citizen_id: [4, 'string', 'gb11643'],
  person_name: [3, 'string'],
  sex: [3, 'code'],
  birth_date: [3, 'date'],
  phone: [3, 'string', 'cn_mobile'],
  division_code: [1, 'string', 'gbt2260'],
  address: [3, 'string'],
  nat_sample_time: [3, 'datetime'],
  nat_result: [4, 'code'],
  lab_code: [1, 'string'],
  antigen_test_time: [3, 'datetime'],
  antigen_result: [4, 'code'],
  vaccine_product: [2, 'code'],
  vaccine_dose: [3, 'integer'],
  vaccination_date: [3, 'date'],
  diagnosis: [4, 'code'],
  onset_date: [4, 'date'],
  report_time: [3, 'datetime'],
  case_id: [3, 'string'],
  contact_type: [4, 'code'],
  exposure_date: [4, 'date'],
  travel_mode: [3, 'code'],
  trip_number: [3, 'string'],
  station: [3, 'string'],
  departure_time: [3, 'datetime'],
  arrival_time: [3, 'datetime'],
  venue_code: [2, 'string'],
  scan_time: [3, 'datetime'],
  body_temperature: [3, 'number'],
  symptoms: [4, 'code'],
  declaration_time: [3, 'datetime'],
  credit_code: [1, 'string', 'gb32100'],
  quarantine_start: [4, 'date'],
  quarantine_end: [4, 'date'],
  risk_level: [1, 'code'],
};

/** One valid sample value per element. */
const SAMPLES: Record<string, unknown> = {
  citizen_id: '11010519491231002X',
  person_name: '张三丰',
  sex: '1',
  birth_date: '1990-05-17',
  phone: '13812345678',
  division_code: '440106',
  address: '广东省广州市天河区天河路1号',
  nat_sample_time: '2022-05-01 08:30:00',
  nat_result: 'negative',
  lab_code: 'GZ_LAB-01',
  antigen_test_time: '2022-05-01T08:30:00+08:00',
  antigen_result: 'positive',
  vaccine_product: 'sinovac_coronavac',
  vaccine_dose: '3',
  vaccination_date: '20211101',
  diagnosis: 'asymptomatic',
  onset_date: '2022-04-28',
  report_time: '2022-04-29T10:00:00Z',
  case_id: 'GD-2022-0001',
  contact_type: 'close',
  exposure_date: '2022-04-25',
  travel_mode: 'train',
  trip_number: 'G6102',
  station: '广州南站',
  departure_time: '2022-04-24 09:00',
  arrival_time: '2022-04-24 12:30',
  venue_code: 'VENUE_440106_0001',
  scan_time: '2022-04-25T14:00:00+08:00',
  body_temperature: '36.8',
  symptoms: 'fever',
  declaration_time: '2022-04-26 08:00:00',
  credit_code: '91350100M000100Y43',
  quarantine_start: '2022-04-26',
  quarantine_end: '2022-05-03',
  risk_level: 'medium',
};

describe('baseline elements', () => {
  test('exactly the specified elements, with the specified sensitivity, type and check rule', () => {
    assert.deepEqual(BASELINE_ELEMENTS.map((e) => e.code).sort(), Object.keys(SPEC).sort());
    for (const e of BASELINE_ELEMENTS) {
      const spec = SPEC[e.code];
      assert.ok(spec, e.code);
      assert.equal(e.sensitivity, spec[0], `${e.code} sensitivity`);
      assert.equal(e.type, spec[1], `${e.code} type`);
      assert.equal(e.checkRule, spec[2], `${e.code} checkRule`);
    }
  });

  test('codes are well-formed and unique; versions start at 1', () => {
    const codes = new Set<string>();
    for (const e of BASELINE_ELEMENTS) {
      assert.match(e.code, /^[a-z][a-z0-9_]{1,62}$/);
      assert.ok(!codes.has(e.code), `duplicate ${e.code}`);
      codes.add(e.code);
      assert.equal(e.version, 1, e.code);
    }
  });

  test('every element has both names (and descriptions, when present)', () => {
    for (const e of BASELINE_ELEMENTS) {
      assert.ok(e.name['zh-CN'].trim().length > 0, `${e.code} zh-CN name`);
      assert.ok(e.name.en.trim().length > 0, `${e.code} en name`);
      assert.match(e.name['zh-CN'], /[\u4e00-\u9fff]/, `${e.code} zh-CN name is Chinese`);
      if (e.description) assert.ok(e.description['zh-CN'] && e.description.en, `${e.code} description`);
    }
  });

  test('patterns compile; value sets are non-empty, unique and fully named', () => {
    for (const e of BASELINE_ELEMENTS) {
      if (e.pattern !== undefined) {
        assert.ok(compilePattern(e.pattern) instanceof RegExp, e.code);
        assert.ok(new RegExp(e.pattern, 'u') instanceof RegExp, e.code);
      }
      if (e.type === 'code') {
        assert.ok(e.valueSet && e.valueSet.length > 0, `${e.code} needs a valueSet`);
        assert.equal(new Set(e.valueSet.map((v) => v.code)).size, e.valueSet.length, `${e.code} duplicate codes`);
        for (const v of e.valueSet) assert.ok(v.code && v.name['zh-CN'] && v.name.en, `${e.code}.${v.code}`);
      } else {
        assert.equal(e.valueSet, undefined, `${e.code} has a valueSet but is not a code`);
      }
    }
  });

  test('specified value-set codes are present', () => {
    const map = baselineElementMap();
    const codesOf = (c: string): string[] => (map.get(c)?.valueSet ?? []).map((v) => v.code);
    assert.deepEqual(codesOf('sex'), ['0', '1', '2', '9']);
    assert.deepEqual(codesOf('nat_result'), ['negative', 'positive', 'invalid']);
    assert.deepEqual(codesOf('diagnosis'), ['confirmed', 'asymptomatic', 'suspected', 'excluded']);
    assert.deepEqual(codesOf('contact_type'), ['close', 'secondary', 'spatiotemporal']);
    assert.deepEqual(codesOf('travel_mode'), ['train', 'flight', 'coach', 'ship', 'self_drive']);
    assert.deepEqual(codesOf('risk_level'), ['high', 'medium', 'low']);
    for (const c of ['sinopharm_bibp', 'sinovac_coronavac', 'cansino_ad5', 'zhifei_zf2001', 'other']) {
      assert.ok(codesOf('vaccine_product').includes(c), c);
    }
    for (const c of ['none', 'fever', 'cough', 'fatigue', 'sore_throat', 'loss_of_smell', 'diarrhea', 'other']) {
      assert.ok(codesOf('symptoms').includes(c), c);
    }
  });

  test('every element compiles and accepts its sample value', () => {
    for (const e of BASELINE_ELEMENTS) {
      const v = compileValidator(e);
      const r = v(SAMPLES[e.code]);
      assert.ok(r.ok, `${e.code}: ${r.ok ? '' : r.issue.message.en}`);
      assert.equal(v(null).ok, false, e.code);
    }
  });

  test('elements reject typical bad values', () => {
    const map = baselineElementMap();
    const check = (code: string, value: unknown, expected: string): void => {
      const e = map.get(code);
      assert.ok(e, code);
      const r = compileValidator(e)(value);
      assert.equal(r.ok ? 'ok' : r.issue.code, expected, `${code}=${String(value)}`);
    };
    check('vaccine_dose', 6, 'range');
    check('body_temperature', 29.9, 'range');
    check('trip_number', 'g6102', 'pattern');
    check('lab_code', 'x', 'pattern');
    check('person_name', '张'.repeat(65), 'max_length');
    check('nat_result', 'NEGATIVE', 'value_set');
    check('division_code', '440199', 'division');
  });

  test('the specified masks; sensitive (>=3) samples are changed by their mask', () => {
    const map = baselineElementMap();
    assert.deepEqual(map.get('citizen_id')?.mask, { type: 'show_first_last', first: 4, last: 4 });
    assert.deepEqual(map.get('person_name')?.mask, { type: 'name' });
    assert.deepEqual(map.get('birth_date')?.mask, { type: 'year_only' });
    assert.deepEqual(map.get('phone')?.mask, { type: 'phone' });
    assert.deepEqual(map.get('address')?.mask, { type: 'show_first', n: 6 });
    assert.deepEqual(map.get('credit_code')?.mask, { type: 'none' });
    for (const e of BASELINE_ELEMENTS) {
      const r = compileValidator(e)(SAMPLES[e.code]);
      assert.ok(r.ok);
      const masked = applyMask(e.mask, r.value);
      if (e.sensitivity >= 3) assert.notEqual(masked, r.value, `${e.code} mask leaves the value unchanged`);
    }
  });

  test('baselineElementMap returns a fresh, complete map', () => {
    const a = baselineElementMap();
    assert.equal(a.size, BASELINE_ELEMENTS.length);
    assert.equal(a.get('citizen_id')?.checkRule, 'gb11643');
    a.delete('citizen_id');
    assert.equal(baselineElementMap().size, BASELINE_ELEMENTS.length);
  });
});
