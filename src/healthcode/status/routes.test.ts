import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { memoryIo } from '../../cli/io.js';
import { run } from '../../cli/program.js';
import type { RunningPlatform } from '../../node/platform.js';
import { describeEachEngine } from '../../testing/db.js';
import { healthFixture, hoursAgo, newCitizen } from '../../testing/health.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';

describeEachEngine('health status API and CLI', (getPlatform) => {
  let server: TestServer | undefined;
  after(async () => server?.close());

  test('a person sees their status with reasons and history; an administrator looks it up by ID number', async () => {
    const p: RunningPlatform = await getPlatform();
    server = await startTestServer(p);
    const fx = await healthFixture(p);
    const admin = await makeDepartment(p.db, { role: 'admin' });
    const other = await makeDepartment(p.db);
    const id = newCitizen();
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(3), result: 'positive', lab_code: 'GZ-LAB' },
    ]);

    const asAdmin = client(server.url, admin.token);
    const looked = await asAdmin('POST', '/api/v1/health-status/lookup', { citizenId: id });
    assert.equal(looked.status, 200);
    assert.equal(looked.body.status.colour, 'red');
    assert.equal(looked.body.status.reasons[0].rule, 'red.nat-positive');
    assert.equal(looked.body.history.length, 1);

    const token = (await asAdmin('POST', '/api/v1/persons/tokens', { citizenId: id })).body.token as string;
    const mine = await client(server.url, token)('GET', '/api/v1/me/status');
    assert.equal(mine.status, 200);
    assert.equal(mine.body.status.colour, 'red');
    assert.equal(mine.body.status.subject, fx.subject(id));
    // The lookup is in the person's own access log.
    const log = await client(server.url, token)('GET', '/api/v1/me/access-log');
    assert.ok(log.body.items.some((e: { action: string }) => e.action === 'healthcode.status.read'));

    assert.equal(
      (await asAdmin('POST', '/api/v1/health-status/lookup', { citizenId: '123' })).body.code,
      'invalid_citizen_id',
    );
    assert.equal(
      (await client(server.url, other.token)('POST', '/api/v1/health-status/lookup', { citizenId: id })).status,
      403,
    );
    assert.equal((await client(server.url)('GET', '/api/v1/me/status')).status, 401);
    assert.equal((await asAdmin('POST', '/api/v1/health-status/lookup', { citizenId: id, extra: 1 })).status, 400);

    const io = memoryIo({ env: { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: admin.token }, fetch });
    assert.equal(await run(['health', 'status', id], io), 0, io.stderr());
    assert.match(io.stdout(), /red\.nat-positive/);
    assert.match(io.stdout(), /History/);
  });

  test('a status read shows the stored status with its age: a stale one is queued, not recomputed', async () => {
    const p = await getPlatform();
    server ??= await startTestServer(p);
    const fx = await healthFixture(p);
    const admin = await makeDepartment(p.db, { role: 'admin' });
    const asAdmin = client(server.url, admin.token);
    const id = newCitizen();
    const first = await asAdmin('POST', '/api/v1/health-status/lookup', { citizenId: id });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.freshness.firstUse, true, 'no status yet: computed for this read');
    const subject = fx.subject(id);
    // A positive result arrives, and the stored status is an hour old: a read shows it as it is.
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(2), result: 'positive', lab_code: 'GZ-LAB' },
    ]);
    await p.db.query(`UPDATE health_status SET computed_at = now() - interval '1 hour' WHERE subject = $1`, [subject]);
    await p.db.query('DELETE FROM hc_dirty WHERE subject = $1', [subject]);
    const row = async () => (await p.db.query('SELECT * FROM health_status WHERE subject = $1', [subject])).rows;
    const before = await row();
    const looked = await asAdmin('POST', '/api/v1/health-status/lookup', { citizenId: id });
    assert.equal(looked.status, 200, JSON.stringify(looked.body));
    assert.equal(looked.body.status.colour, 'green');
    assert.equal(looked.body.freshness.stale, true);
    assert.ok(looked.body.freshness.age >= 3600);
    assert.deepEqual(await row(), before, 'the read did not recompute');
    const queued = await p.db.query('SELECT 1 FROM hc_dirty WHERE subject = $1', [subject]);
    assert.equal(queued.rows.length, 1, 'queued for the recompute worker');
  });

  test('the full recompute runs in the background through the API and the CLI', async () => {
    const p = await getPlatform();
    server ??= await startTestServer(p);
    const admin = await makeDepartment(p.db, { role: 'admin' });
    const asAdmin = client(server.url, admin.token);
    const started = await asAdmin('POST', '/api/v1/admin/health/recompute');
    assert.equal(started.status, 202);
    let job = started.body;
    while (job.status === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      job = (await asAdmin('GET', `/api/v1/admin/health/recompute/${job.id}`)).body;
    }
    assert.equal(job.status, 'done');
    assert.ok(job.processed >= 1);
    assert.equal((await asAdmin('GET', '/api/v1/admin/health/recompute/nope')).status, 404);
    const io = memoryIo({ env: { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: admin.token }, fetch });
    assert.equal(await run(['health', 'recompute', '--wait', '--json'], io), 0, io.stderr());
    assert.equal(JSON.parse(io.stdout()).status, 'done');
    const dept = await makeDepartment(p.db);
    assert.equal((await client(server.url, dept.token)('POST', '/api/v1/admin/health/recompute')).status, 403);
  });
});
