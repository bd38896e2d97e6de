import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, startTestServer, type TestServer } from '../testing/server.js';

describeEachEngine('http server', (getDb, engine) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(await getDb());
  });
  after(async () => server.close());

  test('healthz and readyz', async () => {
    const api = client(server.url);
    assert.deepEqual((await api('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await api('GET', '/readyz')).body, { status: 'ready', engine });
  });

  test('the OpenAPI document describes every API route, and /docs serves a page', async () => {
    const api = client(server.url);
    const doc = await api('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    for (const p of [
      '/api/v1/datasets',
      '/api/v1/datasets/{id}/records',
      '/api/v1/departments',
      '/api/v1/elements',
      '/api/v1/ingest/batches/{id}',
    ]) {
      assert.ok(doc.body.paths[p], `documents ${p}`);
    }
    const ingest = doc.body.paths['/api/v1/datasets/{id}/records'].post;
    assert.deepEqual(Object.keys(ingest.requestBody.content).sort(), [
      'application/json',
      'application/x-ndjson',
      'text/csv',
    ]);
    const docs = await fetch(`${server.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  test('unknown routes and methods answer problem+json', async () => {
    const res = await fetch(`${server.url}/api/v1/nothing-here`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    const body = (await res.json()) as any;
    assert.equal(body.code, 'route_not_found');
    assert.equal(body.status, 404);
    const zh = (await (
      await fetch(`${server.url}/api/v1/nothing-here`, { headers: { 'accept-language': 'zh-CN' } })
    ).json()) as any;
    assert.equal(zh.code, 'route_not_found');
    assert.equal(zh.title, '未找到');
  });

  test('the data standard is public and validates values', async () => {
    const api = client(server.url);
    const list = await api('GET', '/api/v1/elements');
    const codes = list.body.items.map((e: any) => e.code);
    for (const c of ['citizen_id', 'person_name', 'nat_result', 'venue_code', 'division_code'])
      assert.ok(codes.includes(c), c);
    const ok = await api('POST', '/api/v1/elements/citizen_id/validate', { value: '11010519491231002x' });
    assert.deepEqual(ok.body, { element: 'citizen_id', valid: true, value: '11010519491231002X' });
    const bad = await api(
      'POST',
      '/api/v1/elements/citizen_id/validate',
      { value: '110105194912310021' },
      { 'accept-language': 'zh-CN' },
    );
    assert.equal(bad.body.valid, false);
    assert.equal(bad.body.code, 'check_character');
    assert.match(bad.body.message, /校验/);
    assert.equal((await api('GET', '/api/v1/elements/shoe_size')).status, 404);
  });
});
