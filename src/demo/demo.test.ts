import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine, openTestPlatform } from '../testing/db.js';
import { client, startTestServer, type TestServer } from '../testing/server.js';
import { validateCitizenId, validateCreditCode, isKnownDivision } from '../standard/index.js';
import { buildDemo, type DemoSummary } from './build.js';
import { eventsOf, personAt } from './people.js';
import { subjectOf } from '../records/keys.js';
import { Keyring } from '../crypto/keyring.js';

test('residents are deterministic, unique, with valid ID numbers and real division codes', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const p = personAt(7, i);
    assert.equal(validateCitizenId(p.citizenId), null, p.citizenId);
    assert.ok(isKnownDivision(p.division.code));
    assert.equal(p.citizenId.slice(0, 6), p.division.code);
    assert.equal(Number(p.citizenId[16]) % 2 === 1 ? '1' : '2', p.sex);
    ids.add(p.citizenId);
  }
  assert.equal(ids.size, 20_000);
  assert.deepEqual(personAt(7, 123), personAt(7, 123));
  assert.notDeepEqual(personAt(7, 123), personAt(8, 123));
  const asOf = Date.parse('2022-05-01T12:00:00+08:00');
  assert.deepEqual(eventsOf(7, personAt(7, 5), asOf), eventsOf(7, personAt(7, 5), asOf));
});

describeEachEngine('demo province', (getDb) => {
  let server: TestServer;
  let summary: DemoSummary;
  let dir: string;

  before(async () => {
    const platform = await getDb();
    dir = mkdtempSync(join(tmpdir(), 'govshare-demo-'));
    summary = await buildDemo(platform, { persons: 3000, seed: 11, asOf: '2022-05-01' }, dir);
    server = await startTestServer(platform);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('about 8 departments with valid credit codes, their datasets, and a credentials file only the owner can read', async () => {
    assert.equal(summary.departments, 8);
    assert.ok(summary.records > 3000);
    const file = join(dir, 'demo-credentials.json');
    assert.equal(statSync(file).mode & 0o077, 0);
    const creds = JSON.parse(readFileSync(file, 'utf8'));
    const api = client(server.url, creds.tokens[creds.adminDepartment]);
    const depts = await api('GET', '/api/v1/departments');
    assert.equal(depts.body.items.length, 8);
    for (const d of depts.body.items) assert.equal(validateCreditCode(d.creditCode), null, d.creditCode);
    const catalog = await api('GET', '/api/v1/datasets');
    assert.equal(catalog.body.total, summary.datasets);
    const classes = new Set(catalog.body.items.map((d: any) => d.sharingClass));
    assert.deepEqual([...classes].sort(), ['conditional', 'not_shared', 'unconditional']);
    const residents = catalog.body.items.find((d: any) => d.id === 'residents');
    assert.equal(residents.recordCount, 3000);
    assert.ok(
      catalog.body.items.every((d: any) => d.recordCount > 0),
      'every dataset holds records',
    );
  });

  test('each department reads its own data with its own token, and not others’', async () => {
    const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
    const labs = client(server.url, creds.tokens['gd-labs']);
    const page = await labs('GET', '/api/v1/datasets/nucleic-acid-results/records?limit=5');
    assert.equal(page.status, 200);
    assert.equal(page.body.items.length, 5);
    assert.equal(validateCitizenId(page.body.items[0].data.citizen_id), null);
    assert.equal((await labs('GET', '/api/v1/datasets/residents/records?limit=5')).status, 403);
  });

  test('live sharing: granted, pending, overdue, refused and revoked requests, and an access history for residents', async () => {
    const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
    const admin = client(server.url, creds.tokens[creds.adminDepartment]);
    const all = (await admin('GET', '/api/v1/sharing/requests')).body.items;
    const statuses = new Set(all.map((r: any) => r.status));
    for (const s of ['granted', 'pending', 'refused', 'revoked']) assert.ok(statuses.has(s), `a ${s} request`);
    assert.ok(
      all.some((r: any) => r.overdue),
      'an overdue request',
    );
    const resident = creds.sampleResidents[0];
    const person = (await admin('POST', '/api/v1/persons/tokens', { citizenId: resident })).body.token;
    const log = (await client(server.url, person)('GET', '/api/v1/me/access-log')).body.items;
    assert.ok(
      log.some((e: any) => e.action === 'records.read' && e.department === 'gd-cdc' && e.purpose === 'contact_tracing'),
    );
    const report = (await admin('GET', '/api/v1/reports/sharing')).body.departments;
    assert.ok(report.find((d: any) => d.department === 'gd-labs').recordsReadByOthers > 0);
    assert.ok(
      report.find((d: any) => d.department === 'th-grid').overdue === 0 &&
        report.find((d: any) => d.department === 'gd-ps').overdue === 1,
    );
  });

  test('records match the generator', async () => {
    const { db, ring } = await getDb();
    const p = personAt(11, 0);
    const row = await db.query<{ data: any }>(
      `SELECT data FROM records WHERE dataset_id = 'residents' AND subject = $1`,
      [subjectOf(ring, p.citizenId)],
    );
    assert.equal(row.rows[0]!.data.person_name, p.name);
    assert.equal(row.rows[0]!.data.division_code, p.division.code);
  });
});

test('the same options build the same province, another seed another one', async () => {
  const ring = Keyring.generate(); // blind indexes and content hashes depend on the keys: the same keys for each build
  const digest = async (seed: number) => {
    const platform = await openTestPlatform('pglite', ring);
    const db = platform.db;
    const d = mkdtempSync(join(tmpdir(), 'govshare-demo-'));
    try {
      await buildDemo(platform, { persons: 400, seed, asOf: '2022-05-01' }, d);
      const res = await db.query<{ k: string }>(
        `SELECT string_agg(dataset_id || ':' || record_key || ':' || hash, ',' ORDER BY dataset_id, record_key) AS k FROM records`,
      );
      return res.rows[0]!.k;
    } finally {
      await platform.close();
      rmSync(d, { recursive: true, force: true });
    }
  };
  const a = await digest(3);
  assert.ok((await digest(3)) === a, 'same seed, same records');
  assert.ok((await digest(4)) !== a, 'another seed, other records');
});
