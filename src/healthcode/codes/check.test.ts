import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import type { RunningPlatform } from '../../node/platform.js';
import { generateCitizenId } from '../../standard/index.js';
import { subjectOf } from '../../records/keys.js';
import { issueCode } from '../hcert/index.js';
import { activeCodeKey } from './keys.js';
import { codeKeysChanged } from './cache.js';

interface ScanRow {
  subject: string;
  code_id: string;
  venue: string | null;
  checkpoint: string | null;
  colour: string;
}

describeEachEngine('health codes: online checks at checkpoints', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof makeDepartment>>;
  let checkpoint: Awaited<ReturnType<typeof makeDepartment>>;
  let seq = 300;
  const citizen = () => generateCitizenId('440303', '19770611', ++seq);
  const issue = async (citizenId: string) => {
    const res = await client(server.url, admin.token)('POST', '/api/v1/codes', { citizenId });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { code: string; colour: string; kid: string; cti: string };
  };
  const check = (body: unknown, token = checkpoint.token) => client(server.url, token)('POST', '/api/v1/checks', body);
  const scans = async (cti: string) =>
    (
      await platform.db.query<ScanRow>(
        'SELECT subject, code_id, venue, checkpoint, colour FROM code_scans WHERE code_id = $1 ORDER BY id',
        [cti],
      )
    ).rows;

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
    checkpoint = await makeDepartment(platform.db);
  });
  after(async () => server.close());

  test('a valid code: the current colour from the issuer, and the scan is recorded and audited with the person', async () => {
    const id = citizen();
    const issued = await issue(id);
    const res = await check({ code: issued.code, venue: 'GZ-TH-0001' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.valid, true);
    assert.equal(res.body.reason, 'ok');
    assert.equal(res.body.colour, 'green');
    assert.equal(res.body.colourInCode, 'green');
    assert.equal(res.body.changedSinceIssue, false);
    assert.equal(res.body.region, platform.settings.region);
    assert.equal(res.body.kid, issued.kid);
    assert.equal(res.body.source, 'issuer');
    assert.deepEqual(await scans(issued.cti), [
      {
        subject: subjectOf(platform.ring, id),
        code_id: issued.cti,
        venue: 'GZ-TH-0001',
        checkpoint: checkpoint.id,
        colour: 'green',
      },
    ]);
    const token = (await client(server.url, admin.token)('POST', '/api/v1/persons/tokens', { citizenId: id })).body
      .token as string;
    const log = (await client(server.url, token)('GET', '/api/v1/me/access-log')).body.items as {
      action: string;
      department: string | null;
    }[];
    assert.ok(
      log.some((e) => e.action === 'healthcode.check' && e.department === checkpoint.id),
      'the person sees who checked their code',
    );
  });

  test('a status change after issue is reported: current colour, colour in the code, changedSinceIssue', async () => {
    const id = citizen();
    const issued = await issue(id);
    await platform.db.query(
      `UPDATE health_status SET colour = 'red', since = now() + interval '1 second' WHERE subject = $1`,
      [subjectOf(platform.ring, id)],
    );
    const res = await check({ code: issued.code });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.valid, true);
    assert.equal(res.body.colour, 'red');
    assert.equal(res.body.colourInCode, 'green');
    assert.equal(res.body.changedSinceIssue, true);
    const rows = await scans(issued.cti);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.colour, 'red');
    assert.equal(rows[0]!.venue, null);
  });

  test('an invalid code: valid false with the reason, nothing recorded', async () => {
    const issued = await issue(citizen());
    const tampered = issued.code.slice(0, -3) + (issued.code.endsWith('000') ? '111' : '000');
    const res = await check({ code: tampered, venue: 'V1' });
    assert.equal(res.status, 200);
    assert.equal(res.body.valid, false);
    assert.ok(
      ['bad_signature', 'bad_compression', 'malformed', 'bad_base45', 'not_cose'].includes(res.body.reason),
      res.body.reason,
    );
    assert.equal(res.body.colour, undefined);
    const wrong = await check({ code: 'HC1:6BFOXN*TS0BI$ZD4N9' });
    assert.equal(wrong.body.reason, 'wrong_prefix');
    assert.equal((await scans(issued.cti)).length, 0);
  });

  test('a genuine code for a subject this node does not know: valid, status_unknown, colour null', async () => {
    const key = await activeCodeKey(platform);
    const code = issueCode(
      { iss: platform.settings.region, sub: 'no-such-person', colour: 'yellow', ruleSet: 'R', ruleVersion: '1' },
      key.key,
    );
    const res = await check({ code: code.text });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      [res.body.valid, res.body.reason, res.body.colour, res.body.colourInCode],
      [true, 'status_unknown', null, 'yellow'],
    );
    assert.equal((await scans(code.claims.cti)).length, 0);
  });

  test('a check writes nothing but its scan: no status recompute, no key rotation, no identity; a stale status is queued', async () => {
    const id = citizen();
    const subject = subjectOf(platform.ring, id);
    const issued = await issue(id);
    // The status is an hour old and the active code key is within a day of its end of life: today's check would
    // recompute the status inline and rotate the key.
    await platform.db.query(`UPDATE health_status SET computed_at = now() - interval '1 hour' WHERE subject = $1`, [
      subject,
    ]);
    await platform.db.query(
      `UPDATE node_keys SET created_at = now() - interval '364 days 12 hours' WHERE purpose = 'code' AND status = 'active'`,
    );
    codeKeysChanged(platform.db);
    const snapshot = async () => ({
      status: (await platform.db.query('SELECT * FROM health_status ORDER BY subject')).rows,
      history: (await platform.db.query('SELECT count(*)::int AS n FROM health_status_history')).rows,
      keys: (await platform.db.query('SELECT kid, purpose, status, created_at, retired_at FROM node_keys ORDER BY kid'))
        .rows,
      identities: (await platform.db.query('SELECT subject, citizen_id FROM hc_identities ORDER BY subject')).rows,
    });
    await platform.db.query('DELETE FROM hc_dirty WHERE subject = $1', [subject]);
    const before = await snapshot();
    const stored = (
      await platform.db.query<{ computed_at: Date }>('SELECT computed_at FROM health_status WHERE subject = $1', [
        subject,
      ])
    ).rows[0]!.computed_at;
    const res = await check({ code: issued.code, venue: 'GZ-TH-0002' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.valid, true);
    assert.equal(res.body.colour, 'green');
    assert.equal(res.body.stale, true, JSON.stringify(res.body));
    assert.match(res.body.staleReason, /a recompute is queued/);
    assert.equal(res.body.computedAt, new Date(stored).toISOString());
    assert.ok(res.body.age >= 3600, JSON.stringify(res.body));
    assert.deepEqual(await snapshot(), before, 'statuses, code keys and identities are unchanged');
    const queued = await platform.db.query('SELECT subject FROM hc_dirty WHERE subject = $1', [subject]);
    assert.equal(queued.rows.length, 1, 'the stale status is queued for the recompute worker');
    assert.equal((await scans(issued.cti)).length, 1, 'the scan is recorded (a check is a recorded scan)');
  });

  test('a fresh status: stale false with its age, nothing queued', async () => {
    const id = citizen();
    const issued = await issue(id);
    const res = await check({ code: issued.code });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.stale, false);
    assert.equal(res.body.staleReason, undefined);
    assert.equal(typeof res.body.computedAt, 'string');
    const queued = await platform.db.query('SELECT subject FROM hc_dirty WHERE subject = $1', [
      subjectOf(platform.ring, id),
    ]);
    assert.equal(queued.rows.length, 0);
  });

  test('only departments check codes; bad bodies are 400', async () => {
    const issued = await issue(citizen());
    assert.equal((await client(server.url)('POST', '/api/v1/checks', { code: issued.code })).status, 401);
    const person = (await client(server.url, admin.token)('POST', '/api/v1/persons/tokens', { citizenId: citizen() }))
      .body.token as string;
    assert.equal((await check({ code: issued.code }, person)).body.code, 'department_token_required');
    assert.equal((await check({})).body.code, 'validation_failed');
    assert.equal((await check({ code: '' })).status, 400);
    assert.equal((await check({ code: issued.code, venue: 'x'.repeat(200) })).status, 400);
    assert.equal((await check({ code: issued.code, extra: 1 })).status, 400);
    assert.equal((await scans(issued.cti)).length, 0);
  });
});
