import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';
import { CONTENT_TYPES, detectFormat } from './format.js';
import {
  collectList,
  collectWhere,
  integerIn,
  parseBaseUrl,
  parseDay,
  parseInstant,
  parseInteger,
  parseLang,
  parseList,
  parseUntil,
} from './parse.js';
import { startFlags } from './commands/start.js';

test('detectFormat: the flag wins over the extension', () => {
  assert.equal(detectFormat('a.csv', 'ndjson'), 'ndjson');
  assert.equal(detectFormat('-', 'json'), 'json');
  assert.equal(detectFormat('a.txt', 'CSV'), 'csv');
});

test('detectFormat: from the extension, case-insensitively', () => {
  assert.equal(detectFormat('data/cases.csv'), 'csv');
  assert.equal(detectFormat('X.CSV'), 'csv');
  assert.equal(detectFormat('a.ndjson'), 'ndjson');
  assert.equal(detectFormat('a.jsonl'), 'ndjson');
  assert.equal(detectFormat('a.json'), 'json');
});

test('detectFormat: unknown extension, stdin without --format and bad flags are usage errors', () => {
  for (const [file, flag] of [
    ['a.txt', undefined],
    ['noext', undefined],
    ['-', undefined],
    ['a.csv', 'xml'],
  ] as const) {
    assert.throws(
      () => detectFormat(file, flag),
      (e: unknown) => e instanceof UsageError && e.exitCode === 2,
    );
  }
  assert.throws(() => detectFormat('a.txt'), /use --format csv, ndjson or json/);
});

test('content types of the formats', () => {
  assert.deepEqual(CONTENT_TYPES, { csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json' });
});

test('parseLang normalises zh and en variants', () => {
  assert.equal(parseLang('zh-CN'), 'zh-CN');
  assert.equal(parseLang('zh'), 'zh-CN');
  assert.equal(parseLang('zh_CN.UTF-8'), 'zh-CN');
  assert.equal(parseLang('en'), 'en');
  assert.equal(parseLang('en-GB'), 'en');
  assert.throws(() => parseLang('fr'), InvalidArgumentError);
  assert.throws(() => parseLang('zhx'), InvalidArgumentError);
});

test('parseBaseUrl keeps the URL as written, minus trailing slashes', () => {
  assert.equal(parseBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(parseBaseUrl('https://gov.example/govshare'), 'https://gov.example/govshare');
  assert.throws(() => parseBaseUrl('127.0.0.1:8080x'), InvalidArgumentError);
  assert.throws(() => parseBaseUrl('ftp://x'), InvalidArgumentError);
});

test('parseInteger, parseDay and parseInstant', () => {
  assert.equal(parseInteger('42'), 42);
  assert.equal(parseInteger('-3'), -3);
  assert.throws(() => parseInteger('1.5'), InvalidArgumentError);
  assert.throws(() => parseInteger('1e3'), InvalidArgumentError);
  assert.equal(parseDay('2022-04-30'), '2022-04-30');
  assert.throws(() => parseDay('2022-02-30'), InvalidArgumentError);
  assert.throws(() => parseDay('2022-4-3'), InvalidArgumentError);
  assert.equal(parseInstant('2030-01-01'), '2030-01-01T00:00:00.000Z');
  assert.equal(parseInstant('2030-01-01T08:00:00+08:00'), '2030-01-01T00:00:00.000Z');
  assert.throws(() => parseInstant('tomorrow'), InvalidArgumentError);
  assert.throws(() => parseInstant('2030-13-45'), InvalidArgumentError);
});

test('start flags: only an explicit --no-demo or --log override the environment', () => {
  assert.equal(startFlags({}).demo, undefined); // neither --demo nor --no-demo: the environment and engine decide
  assert.equal(startFlags({ demo: true }).demo, true);
  assert.equal(startFlags({ demo: false }).demo, false);
  assert.equal(startFlags({ region: '440300' }).region, '440300');
  assert.equal(startFlags({}).log, undefined);
  assert.equal(startFlags({ log: true }).log, true);
  assert.deepEqual(startFlags({ port: '0', dataDir: 'd', persons: '5' }), {
    host: undefined,
    port: '0',
    dataDir: 'd',
    databaseUrl: undefined,
    dbSchema: undefined,
    persons: '5',
    demo: undefined,
    log: undefined,
    region: undefined,
    role: undefined,
    hubUrl: undefined,
    syncSeconds: undefined,
    federationConfig: undefined,
  });
});

test('parseUntil: a bare date is the end of that day in China Standard Time, a date-time is kept', () => {
  assert.equal(parseUntil('2026-12-31'), '2026-12-31T15:59:59.999Z');
  assert.equal(parseUntil('2026-12-31T18:00:00+08:00'), '2026-12-31T10:00:00.000Z');
  assert.throws(() => parseUntil('2026-02-30'), InvalidArgumentError);
  assert.throws(() => parseUntil('next week'), InvalidArgumentError);
});

test('lists, repeated lists and field=value filters', () => {
  assert.deepEqual(parseList(' a, b ,,c '), ['a', 'b', 'c']);
  assert.throws(() => parseList(' , '), InvalidArgumentError);
  assert.deepEqual(collectList('c', collectList('a,b', undefined)), ['a', 'b', 'c']);
  assert.deepEqual(collectWhere('lab=GZ=1', collectWhere('result=positive', undefined)), {
    result: 'positive',
    lab: 'GZ=1',
  });
  for (const bad of ['result', '=x', 'result=', 'Result=x', 'f.result=x'])
    assert.throws(() => collectWhere(bad, undefined), InvalidArgumentError, bad);
  assert.equal(integerIn(1, 10)('10'), 10);
  assert.throws(() => integerIn(1, 10)('11'), /from 1 to 10/);
  assert.throws(() => integerIn(1, 10)('x'), InvalidArgumentError);
});
