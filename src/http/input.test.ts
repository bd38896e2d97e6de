import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Problem } from '../core/problem.js';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { checkJsonBody, checkUrl } from './input.js';

const whereOf = (fn: () => void): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Problem);
    return `${e.code} ${String(e.extra?.where)}`;
  }
  return 'ok';
};

test('the checks say where the bad input is', () => {
  assert.equal(
    whereOf(() => checkUrl('/a/b%00c')),
    'invalid_characters The path',
  );
  assert.equal(
    whereOf(() => checkUrl('/a?x=1&limit=%ED%A0%80')),
    'invalid_characters The query parameter limit',
  );
  assert.equal(
    whereOf(() => checkUrl('/a?x=%E4%B8%AD&y=a+b')),
    'ok',
  );
  assert.equal(
    whereOf(() => checkJsonBody({ a: [{ b: 'x\u0000' }] })),
    'invalid_characters body.a[0].b',
  );
  assert.equal(
    whereOf(() => checkJsonBody({ a: '\ud800' })),
    'invalid_characters body.a',
  );
  assert.equal(
    whereOf(() => checkJsonBody({ a: '😀 中文' })),
    'ok',
  );
  assert.equal(
    whereOf(() => checkJsonBody([1, Infinity])),
    'number_out_of_range body[1]',
  );
  assert.equal(
    whereOf(() => checkJsonBody(JSON.parse('['.repeat(40) + ']'.repeat(40)))).split(' ')[0],
    'body_too_deep',
  );
});

describeEachEngine('bad input found by fuzzing', (getPlatform) => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    const platform = await getPlatform();
    server = await startTestServer(platform);
    admin = (await makeDepartment(platform.db, { role: 'admin' })).token;
  });
  after(async () => server.close());

  test('NUL bytes, lone surrogates, huge and non-finite numbers are 400, and the problem names the route, not the URL', async () => {
    const api = client(server.url, admin);
    const cases: [string, string, unknown, string][] = [
      ['GET', '/api/v1/risk-areas/a%00b', undefined, 'invalid_characters'],
      ['GET', '/api/v1/risk-areas/%ED%A0%80', undefined, 'invalid_characters'],
      ['GET', '/api/v1/risk-areas?division=%ED%A0%80', undefined, 'invalid_characters'],
      ['GET', '/api/v1/risk-areas?offset=99999999999999999999', undefined, 'validation_failed'],
      ['GET', '/api/v1/risk-areas?limit=Infinity', undefined, 'validation_failed'],
      ['GET', '/api/v1/datasets?offset=1e308', undefined, 'validation_failed'],
      ['GET', '/api/v1/audit/entries/99999999999999999999', undefined, 'validation_failed'],
      ['POST', '/api/v1/elements/citizen_id/validate', { value: '\ud800' }, 'invalid_characters'],
      ['POST', '/api/v1/elements/citizen_id/validate', { value: 'a\u0000b' }, 'invalid_characters'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await api(method, path, body);
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, `${method} ${path}`);
      assert.ok(!String(res.body.instance ?? '').includes('%'), `instance ${res.body.instance} is a template`);
    }
    const infinite = await api('POST', '/api/v1/elements/citizen_id/validate', '{"value": 1e400}', {
      'content-type': 'application/json',
    });
    assert.equal(infinite.status, 400);
    const missing = await api('GET', '/api/v1/datasets/44010619900517123X/versions');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.instance, '/api/v1/datasets/:id/versions');
  });
});
