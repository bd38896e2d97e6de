import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningPlatform } from '../node/platform.js';
import { generateCitizenId } from '../standard/index.js';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer } from '../testing/server.js';

async function ledgerAfter(platform: RunningPlatform, seq: number): Promise<{ seq: number; entry: any }[]> {
  await platform.ledger.flush();
  const res = await platform.db.query<{ seq: string; entry: string }>(
    'SELECT seq, entry FROM audit_entries WHERE seq > $1 ORDER BY seq',
    [seq],
  );
  return res.rows.map((r) => ({ seq: Number(r.seq), entry: JSON.parse(r.entry) }));
}

async function lastSeq(platform: RunningPlatform): Promise<number> {
  await platform.ledger.flush();
  const res = await platform.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM audit_entries');
  const seq = res.rows[0]?.seq;
  return seq === null || seq === undefined ? -1 : Number(seq);
}

describeEachEngine('authentication at the edge', (getPlatform) => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await getPlatform();
  });

  test('a bogus token on a path holding an ID number leaves no ID number in any audit entry', async () => {
    const id = generateCitizenId('440106', '19900517', 77);
    const from = await lastSeq(platform);
    const server = await startTestServer(platform);
    try {
      const bogus = client(server.url, 'gst_bogus');
      const one = await bogus('GET', `/api/v1/datasets/residents/records/${id}`);
      assert.equal(one.status, 401);
      assert.equal(one.body.code, 'invalid_token');
      assert.ok(!JSON.stringify(one.body).includes(id), 'the answer does not repeat the ID number');
      assert.equal((await bogus('GET', `/api/v1/datasets/residents/records?subject=${id}`)).status, 401);
      assert.equal((await client(server.url, `gsp_${id}`)('GET', `/api/v1/me/records`)).status, 401);
    } finally {
      await server.close(); // writes the counted failures
    }
    const entries = await ledgerAfter(platform, from);
    for (const e of entries) assert.ok(!JSON.stringify(e.entry).includes(id), `entry ${e.seq} holds the ID number`);
    const failed = entries.filter((e) => e.entry.action === 'auth.failed');
    assert.equal(failed.length, 1, 'one entry for the source and minute');
    const d = failed[0]!.entry.detail;
    assert.equal(d.count, 3);
    assert.match(d.source, /^[0-9a-f]{16}$/, 'the source is a keyed hash, not the address');
    assert.ok(!JSON.stringify(d).includes('127.0.0.1'));
    assert.match(d.minute, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
    const routes = d.routes.map((r: any) => `${r.method} ${r.route} ${r.count}`).sort();
    assert.equal(routes.length, 3);
    assert.equal(routes[0], 'GET /api/v1/datasets/:id/records 1');
    assert.match(routes[1], /^GET \/api\/v1\/datasets\/:id\/records\/:\w+ 1$/, 'the template, not the path');
    assert.equal(routes[2], 'GET /api/v1/me/records 1');
  });

  test('500 bogus requests from one address: a bounded number of entries, 429 with Retry-After past the limit, valid tokens unaffected', async () => {
    const dept = await makeDepartment(platform.db);
    const from = await lastSeq(platform);
    const server = await startTestServer(platform, { limits: { authFailuresPerMinute: 20 } });
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    try {
      const id = generateCitizenId('440106', '19900517', 78);
      let n = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (n < 500) {
            n += 1;
            const res = await fetch(`${server.url}/api/v1/datasets/residents/records/${id}`, {
              headers: { authorization: 'Bearer gst_bogus' },
            });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 429) retryAfter = res.headers.get('retry-after');
          }
        }),
      );
      const ok = await client(server.url, dept.token)('GET', '/api/v1/datasets');
      assert.equal(ok.status, 200, 'a valid token from the same address still works');
      const anon = await client(server.url)('GET', '/api/v1/elements');
      assert.equal(anon.status, 200, 'so does an anonymous request to a public route');
    } finally {
      await server.close();
    }
    assert.equal(statuses.get(401), 20);
    assert.equal(statuses.get(429), 480);
    assert.ok(retryAfter !== null && Number(retryAfter) > 0 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
    const failed = (await ledgerAfter(platform, from)).filter((e) => e.entry.action === 'auth.failed');
    assert.ok(failed.length >= 1 && failed.length <= 2, `${failed.length} entries (one per minute the run touched)`);
    assert.equal(
      failed.reduce((sum, e) => sum + e.entry.detail.count, 0),
      500,
      'every failure is counted',
    );
  });

  test('an anonymous caller gets 401 on a secured route before its body or query is looked at; public routes stay open', async () => {
    const server = await startTestServer(platform);
    try {
      const anon = client(server.url);
      const badBody = await anon('POST', '/api/v1/datasets', { nonsense: true });
      assert.equal(badBody.status, 401, JSON.stringify(badBody.body));
      assert.equal(badBody.body.code, 'unauthorized');
      assert.equal((await anon('GET', '/api/v1/datasets?limit=many')).status, 401);
      assert.equal(
        (await anon('POST', '/api/v1/checks', '{not json', { 'content-type': 'application/json' })).status,
        401,
      );
      assert.equal((await anon('POST', '/api/v1/departments', [])).status, 401);
      // Routes open to anyone keep working, and still validate.
      assert.equal((await anon('GET', '/healthz')).status, 200);
      assert.equal((await anon('GET', '/api/v1/elements')).status, 200);
      assert.equal((await anon('GET', '/api/v1/trust-list')).status, 200);
      assert.equal((await anon('GET', '/api/v1/sharing/purposes')).status, 200);
      assert.equal((await anon('GET', '/openapi.json')).status, 200);
      const verify = await anon('POST', '/api/v1/codes/verify', { nonsense: true });
      assert.equal(verify.status, 400);
      assert.equal(verify.body.code, 'validation_failed');
    } finally {
      await server.close();
    }
  });
});
