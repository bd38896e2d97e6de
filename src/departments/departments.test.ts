import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCreditCode } from '../standard/index.js';

const credit = (org: string) => generateCreditCode(`11440106${org}`);
const alter = (code: string) => code.slice(0, 17) + (code.endsWith('1') ? '2' : '1');

describeEachEngine('departments and tokens', (getDb) => {
  let server: TestServer;
  let admin: { id: string; token: string };
  let dept: { id: string; token: string; tokenId: string };

  before(async () => {
    const platform = await getDb();
    const db = platform.db;
    server = await startTestServer(platform);
    admin = await makeDepartment(db, { role: 'admin' });
    dept = await makeDepartment(db);
  });
  after(async () => server.close());

  const body = (id: string, creditCode: string) => ({
    id,
    name: { 'zh-CN': '天河区卫健局', en: 'Tianhe Health Bureau' },
    creditCode,
    level: 'district',
    region: '440106',
    contact: { person: '张三', email: 'a@b.cn' },
  });

  test('the administrator registers a department; the credit code check character is validated', async () => {
    const api = client(server.url, admin.token);
    const good = credit('MB2C90017');
    const created = await api('POST', '/api/v1/departments', body('th-health', good));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.creditCode, good);
    assert.equal(created.body.role, 'department');
    const bad = await api('POST', '/api/v1/departments', body('th-health-2', alter(credit('MB2C90018'))));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_credit_code');
    assert.match(bad.body.detail, /check character/);
    const dup = await api('POST', '/api/v1/departments', body('th-health', credit('MB2C90019')));
    assert.equal(dup.status, 409);
    const badRegion = await api('POST', '/api/v1/departments', {
      ...body('th-x', credit('MB2C90020')),
      region: '449999',
    });
    assert.equal(badRegion.status, 400);
    assert.equal(badRegion.body.code, 'invalid_region');
    const unknownField = await api('POST', '/api/v1/departments', { ...body('th-y', credit('MB2C90021')), budget: 1 });
    assert.equal(unknownField.status, 400);
    assert.equal(unknownField.body.code, 'validation_failed');
    assert.match(unknownField.body.detail, /budget/);
    const wrongType = await api('POST', '/api/v1/departments', { ...body('th-z', credit('MB2C90022')), level: 3 });
    assert.equal(wrongType.status, 400);
  });

  test('only the administrator registers departments and issues tokens', async () => {
    const api = client(server.url, dept.token);
    const res = await api('POST', '/api/v1/departments', body('th-nope', credit('MB2C90030')));
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'admin_required');
    assert.equal((await api('POST', `/api/v1/departments/${dept.id}/tokens`, { name: 'mine' })).status, 403);
    const anon = await client(server.url)('GET', '/api/v1/departments');
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'unauthorized');
  });

  test('tokens are stored hashed, work until revoked, then answer 401', async () => {
    const api = client(server.url, admin.token);
    const issued = await api('POST', `/api/v1/departments/${dept.id}/tokens`, { name: 'etl job' });
    assert.equal(issued.status, 201);
    const token: string = issued.body.token;
    assert.match(token, /^gst_/);
    const db = (await getDb()).db;
    const stored = await db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [
      issued.body.id,
    ]);
    assert.notEqual(stored.rows[0]!.token_hash, token);
    assert.ok(!JSON.stringify(stored.rows).includes(token.slice(4)));
    const me = await client(server.url, token)('GET', '/api/v1/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.department.id, dept.id);
    const list = await api('GET', `/api/v1/departments/${dept.id}/tokens`);
    assert.ok(list.body.items.some((t: any) => t.id === issued.body.id && t.lastUsedAt !== null));
    assert.ok(!JSON.stringify(list.body).includes(token));
    assert.equal((await api('DELETE', `/api/v1/tokens/${issued.body.id}`)).status, 204);
    const after = await client(server.url, token)('GET', '/api/v1/me');
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'invalid_token');
    assert.equal((await api('DELETE', '/api/v1/tokens/tok_missing')).status, 404);
  });

  test('administrative actions are in the audit ledger', async () => {
    await server.flushAudit(); // failed authentications are written per source and minute
    const db = (await getDb()).db;
    const actions = (await db.query<{ entry: string }>('SELECT entry FROM audit_entries')).rows.map((r) =>
      JSON.parse(r.entry),
    );
    for (const a of ['departments.create', 'tokens.issue', 'tokens.revoke']) {
      const e = actions.find((x) => x.action === a);
      assert.ok(e, `${a} audited`);
      assert.equal(e.actor.department, admin.id);
    }
    assert.ok(
      actions.some((x) => x.action === 'auth.failed'),
      'the revoked token’s failed sign-in is audited',
    );
  });

  test('a department changes its own contact, nothing else', async () => {
    const api = client(server.url, dept.token);
    const ok = await api('PATCH', `/api/v1/departments/${dept.id}`, { contact: { person: '李四' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.contact.person, '李四');
    assert.equal((await api('PATCH', `/api/v1/departments/${dept.id}`, { level: 'city' })).status, 403);
    assert.equal((await api('PATCH', `/api/v1/departments/${admin.id}`, { contact: {} })).status, 403);
  });
});
