import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';

describeEachEngine('department tokens', (getPlatform) => {
  let server: TestServer;
  let admin: string;
  let dept: string;
  before(async () => {
    const platform = await getPlatform();
    server = await startTestServer(platform);
    admin = (await makeDepartment(platform.db, { role: 'admin' })).token;
    dept = (await makeDepartment(platform.db)).id;
  });
  after(async () => server.close());

  test('a token cannot be issued with expiresAt in the past (400); a future one works', async () => {
    const api = client(server.url, admin);
    const past = await api('POST', `/api/v1/departments/${dept}/tokens`, {
      name: 'late',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    assert.equal(past.status, 400, JSON.stringify(past.body));
    assert.equal(past.body.code, 'expiry_in_past');
    const listed = await api('GET', `/api/v1/departments/${dept}/tokens`);
    assert.equal(listed.status, 200);
    assert.ok(!listed.body.items.some((t: any) => t.name === 'late'), 'no token was stored');
    const future = await api('POST', `/api/v1/departments/${dept}/tokens`, {
      name: 'ok',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    assert.equal(future.status, 201, JSON.stringify(future.body));
    assert.equal((await client(server.url, future.body.token)('GET', '/api/v1/me')).status, 200);
  });
});
