import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCtx } from '../../access/context.js';
import type { Principal } from '../../access/principal.js';
import { createDataset } from '../../catalog/service.js';
import type { DatasetInput } from '../../catalog/schema.js';
import { ingest } from '../../ingest/pipeline.js';
import type { RunningPlatform } from '../../node/platform.js';
import { subjectOf } from '../../records/keys.js';
import { generateCitizenId } from '../../standard/index.js';
import { describeEachEngine } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import { memoryIo } from '../../cli/io.js';
import { run } from '../../cli/program.js';
import { purgeExpired } from './service.js';
import { startWorkers } from '../../node/workers.js';

const f = (name: string, element: string, required = false) => ({ name, element, required });
const L = (s: string) => ({ 'zh-CN': s, en: s });
const DAY = 86_400_000;

let n = 0;
const tag = () => `${process.pid.toString(36)}-${++n}`;

describeEachEngine('retention of scans and itineraries', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof makeDepartment>>;
  let owner: Awaited<ReturnType<typeof makeDepartment>>;
  let other: Awaited<ReturnType<typeof makeDepartment>>;

  const ctxOf = (d: { id: string; tokenId: string }, role: 'admin' | 'department' = 'department') =>
    makeCtx(platform, { kind: 'department', departmentId: d.id, role, tokenId: d.tokenId } satisfies Principal);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
    owner = await makeDepartment(platform.db);
    other = await makeDepartment(platform.db);
  });
  after(async () => server.close());

  const dataset = async (over: Partial<DatasetInput> & Pick<DatasetInput, 'fields' | 'key'>): Promise<string> => {
    const id = `ret-${tag()}`;
    await createDataset(ctxOf(owner), {
      id,
      title: L(id),
      description: L('retention test'),
      updateFrequency: 'realtime',
      coverage: { region: '440106' },
      sharingClass: 'conditional',
      ...over,
    });
    return id;
  };
  const put = async (id: string, records: Record<string, unknown>[]) => {
    const r = await ingest(ctxOf(owner), id, { format: 'json', records });
    assert.equal(r.status, 'committed', JSON.stringify(r.rejected));
    assert.equal(r.rowsRejected, 0);
    return r;
  };
  const versions = async (id: string) =>
    (
      await platform.db.query<{ record_key: string; version: number; current: boolean; data: Record<string, unknown> }>(
        'SELECT record_key, version, valid_to IS NULL AS current, data FROM records WHERE dataset_id = $1 ORDER BY record_key, version',
        [id],
      )
    ).rows;
  const consistent = async (id: string) => {
    const r = await platform.db.query<{ stored: string | number; actual: number }>(
      'SELECT record_count AS stored, (SELECT count(*)::int FROM records WHERE dataset_id = $1 AND valid_to IS NULL) AS actual FROM datasets WHERE id = $1',
      [id],
    );
    assert.equal(Number(r.rows[0]!.stored), r.rows[0]!.actual, `record_count of ${id}`);
    return r.rows[0]!.actual;
  };
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

  test('a purge deletes only what is older than the window: scans, itinerary versions, code scans; counts exact and audited', async () => {
    const cid = (i: number) => generateCitizenId('440106', '19850203', 500 + i);
    const scans = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('venue_code', 'venue_code', true),
        f('scan_time', 'scan_time', true),
      ],
      key: ['citizen_id', 'venue_code', 'scan_time'],
    });
    const trips = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('trip_number', 'trip_number', true),
        f('station', 'station'),
        f('departure_time', 'departure_time', true),
        f('arrival_time', 'arrival_time'),
      ],
      key: ['citizen_id', 'trip_number', 'departure_time'],
    });
    const labs = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('sample_time', 'nat_sample_time', true),
        f('result', 'nat_result', true),
      ],
      key: ['citizen_id', 'sample_time'],
    });

    const scanTimes = { old1: iso(30 * DAY), old2: iso(22 * DAY), inside: iso(20 * DAY), recent: iso(DAY) };
    await put(scans, [
      { citizen_id: cid(1), venue_code: 'V4401060001', scan_time: scanTimes.old1 },
      { citizen_id: cid(1), venue_code: 'V4401060002', scan_time: scanTimes.old2 },
      { citizen_id: cid(2), venue_code: 'V4401060001', scan_time: scanTimes.inside },
      { citizen_id: cid(3), venue_code: 'V4401060003', scan_time: scanTimes.recent },
    ]);
    const dep = { old: iso(40 * DAY), mid: iso(25 * DAY), recent: iso(3 * DAY) };
    await put(trips, [
      {
        citizen_id: cid(1),
        trip_number: 'G1001',
        station: 'A',
        departure_time: dep.old,
        arrival_time: iso(40 * DAY - 3_600_000),
      }, // A: old, two versions
      { citizen_id: cid(2), trip_number: 'G1002', station: 'A', departure_time: dep.mid }, // B: old departure, arrival added later → kept
      { citizen_id: cid(3), trip_number: 'G1003', station: 'A', departure_time: dep.recent }, // C: recent
      { citizen_id: cid(4), trip_number: 'G1004', station: 'A', departure_time: dep.old, arrival_time: iso(2 * DAY) }, // D: arrival corrected to old later
      { citizen_id: cid(5), trip_number: 'G1005', station: 'A', departure_time: dep.mid, arrival_time: iso(20 * DAY) }, // E: departed before, arrived inside the window
    ]);
    await put(trips, [
      {
        citizen_id: cid(1),
        trip_number: 'G1001',
        station: 'B',
        departure_time: dep.old,
        arrival_time: iso(40 * DAY - 3_600_000),
      }, // A v2, still old
      { citizen_id: cid(2), trip_number: 'G1002', station: 'A', departure_time: dep.mid, arrival_time: iso(2 * DAY) }, // B v2: recent arrival
      { citizen_id: cid(4), trip_number: 'G1004', station: 'A', departure_time: dep.old, arrival_time: iso(39 * DAY) }, // D v2: old
    ]);
    await put(labs, [{ citizen_id: cid(1), sample_time: iso(60 * DAY), result: 'negative' }]);
    assert.equal((await versions(trips)).length, 8);

    const subject = subjectOf(platform.ring, cid(9));
    await platform.db.query(
      `INSERT INTO code_scans (subject, code_id, venue, checkpoint, colour, scanned_at) VALUES
         ($1, 'c1', 'V1', NULL, 'green', now() - interval '30 days'), ($1, 'c2', NULL, 'K1', 'green', now() - interval '22 days'),
         ($1, 'c3', 'V1', NULL, 'green', now() - interval '2 days')`,
      [subject],
    );

    const res = await purgeExpired(platform);
    assert.ok(Math.abs(Date.parse(res.cutoff) - (Date.now() - 21 * DAY)) < DAY, 'the cutoff is 21 days back');
    const deleted = (id: string) => res.datasets.find((d) => d.dataset === id)?.deleted;
    assert.equal(deleted(scans), 2);
    assert.equal(deleted(trips), 5, 'A v1+v2, B v1, D v1+v2');
    assert.equal(deleted(labs), undefined, 'datasets without scan or itinerary times are not touched');
    assert.ok(res.codeScans >= 2);

    const left = await versions(scans);
    assert.deepEqual(left.map((r) => r.data.scan_time).sort(), [scanTimes.inside, scanTimes.recent].sort());
    const tripsLeft = (await versions(trips))
      .map((r) => [r.data.trip_number, r.version, r.current])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    assert.deepEqual(tripsLeft, [
      ['G1002', 2, true],
      ['G1003', 1, true],
      ['G1005', 1, true],
    ]);
    assert.equal((await versions(labs)).length, 1);
    assert.equal(await consistent(scans), 2);
    assert.equal(await consistent(trips), 3);
    assert.equal(await consistent(labs), 1);
    const scansLeft = await platform.db.query<{ code_id: string }>(
      'SELECT code_id FROM code_scans WHERE subject = $1',
      [subject],
    );
    assert.deepEqual(
      scansLeft.rows.map((r) => r.code_id),
      ['c3'],
    );

    // The people whose records went are queued for a status recompute.
    const dirty = await platform.db.query<{ subject: string }>(
      "SELECT subject FROM hc_dirty WHERE cause = 'retention'",
    );
    const queued = new Set(dirty.rows.map((r) => r.subject));
    for (const i of [1, 4]) assert.ok(queued.has(subjectOf(platform.ring, cid(i))), `person ${i} queued`);
    assert.ok(!queued.has(subjectOf(platform.ring, cid(3))), 'nobody else');

    // One audit entry with the counts.
    const entries = (await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq')).rows
      .map(
        (r) =>
          JSON.parse(r.entry) as {
            action: string;
            outcome: string;
            actor: { kind: string };
            detail: Record<string, any>;
          },
      )
      .filter((e) => e.action === 'retention.purge');
    const e = entries.at(-1)!;
    assert.equal(e.outcome, 'ok');
    assert.equal(e.actor.kind, 'system');
    assert.equal(e.detail.cutoff, res.cutoff);
    assert.equal(e.detail.datasets[scans], 2);
    assert.equal(e.detail.datasets[trips], 5);
    assert.equal(e.detail.codeScans, res.codeScans);
    assert.equal(e.detail.retentionDays, 21);

    // A purged key can come back: ingest starts it again at version 1.
    const again = await put(trips, [
      { citizen_id: cid(1), trip_number: 'G1001', station: 'C', departure_time: dep.old },
    ]);
    assert.equal(again.inserted, 1);
    assert.equal(await consistent(trips), 4);

    // A second purge finds only that.
    const second = await purgeExpired(platform);
    assert.equal(second.datasets.find((d) => d.dataset === trips)?.deleted, 1);
    assert.equal(second.datasets.find((d) => d.dataset === scans)?.deleted, 0);
    assert.equal(await consistent(trips), 3);
  });

  test('the window comes from the settings and the clock can be given', async () => {
    const cid = generateCitizenId('440106', '19850203', 700);
    const scans = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('venue_code', 'venue_code', true),
        f('scan_time', 'scan_time', true),
      ],
      key: ['citizen_id', 'venue_code', 'scan_time'],
    });
    await put(scans, [
      { citizen_id: cid, venue_code: 'V4401069', scan_time: iso(10 * DAY) },
      { citizen_id: cid, venue_code: 'V4401069', scan_time: iso(5 * DAY) },
    ]);
    const short = { ...platform, settings: { ...platform.settings, retentionDays: 7 } };
    const res = await purgeExpired(short, new Date(Date.now() - DAY));
    assert.equal(
      res.datasets.find((d) => d.dataset === scans)?.deleted,
      1,
      'only the scan older than 7 days before the given time',
    );
    assert.equal(await consistent(scans), 1);
  });

  test('the API: an administrator purges and sees the last purge; nobody else may; the clock cannot be set', async () => {
    const api = client(server.url, admin.token);
    const cid = generateCitizenId('440106', '19850203', 800);
    const scans = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('venue_code', 'venue_code', true),
        f('scan_time', 'scan_time', true),
      ],
      key: ['citizen_id', 'venue_code', 'scan_time'],
    });
    await put(scans, [
      { citizen_id: cid, venue_code: 'V4401068', scan_time: iso(25 * DAY) },
      { citizen_id: cid, venue_code: 'V4401068', scan_time: iso(2 * DAY) },
    ]);

    const res = await api('POST', '/api/v1/admin/retention/purge');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.datasets.find((d: any) => d.dataset === scans).deleted, 1);
    assert.equal(typeof res.body.codeScans, 'number');

    const status = await api('GET', '/api/v1/admin/retention');
    assert.equal(status.status, 200);
    assert.equal(status.body.retentionDays, 21);
    assert.deepEqual(status.body.datasets.find((d: any) => d.dataset === scans).timeFields, ['scan_time']);
    assert.equal(status.body.lastPurge.cutoff, res.body.cutoff);
    assert.deepEqual(status.body.lastPurge.datasets, res.body.datasets);
    const logged = (
      await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries WHERE seq = $1', [
        status.body.lastPurge.auditSeq,
      ])
    ).rows[0]!;
    const e = JSON.parse(logged.entry);
    assert.equal(e.action, 'retention.purge');
    assert.equal(e.actor.department, admin.id, 'the administrator who asked is the actor');

    const asDept = client(server.url, other.token);
    assert.equal((await asDept('POST', '/api/v1/admin/retention/purge')).body.code, 'admin_required');
    assert.equal((await asDept('GET', '/api/v1/admin/retention')).status, 403);
    assert.equal((await client(server.url)('POST', '/api/v1/admin/retention/purge')).status, 401);
    const withClock = await api('POST', '/api/v1/admin/retention/purge', { now: '2030-01-01T00:00:00Z' });
    assert.equal(withClock.status, 400);
    assert.equal(withClock.body.code, 'unexpected_body');
  });

  test('the CLI: retention purge and retention status', async () => {
    const env = { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: admin.token };
    let io = memoryIo({ env, fetch });
    assert.equal(await run(['retention', 'purge'], io), 0, io.stderr());
    assert.match(io.stdout(), /deleted everything dated before \d{4}-/);
    assert.match(io.stdout(), /code scans/);
    io = memoryIo({ env, fetch });
    assert.equal(await run(['retention', 'purge', '--json'], io), 0, io.stderr());
    const json = JSON.parse(io.stdout());
    assert.ok(Array.isArray(json.datasets) && typeof json.codeScans === 'number');
    io = memoryIo({ env, fetch });
    assert.equal(await run(['retention', 'status'], io), 0, io.stderr());
    assert.match(io.stdout(), /window:\s+21 days/);
    assert.match(io.stdout(), /last purge:\s+\d{4}-/);
    io = memoryIo({ env: { ...env, GOVSHARE_TOKEN: other.token }, fetch });
    assert.equal(await run(['retention', 'status'], io), 1);
    assert.match(io.stderr(), /admin_required/);
  });

  test('the sweeper purges in the background and stops', async () => {
    const cid = generateCitizenId('440106', '19850203', 900);
    const scans = await dataset({
      fields: [
        f('citizen_id', 'citizen_id', true),
        f('venue_code', 'venue_code', true),
        f('scan_time', 'scan_time', true),
      ],
      key: ['citizen_id', 'venue_code', 'scan_time'],
    });
    await put(scans, [{ citizen_id: cid, venue_code: 'V4401067', scan_time: iso(30 * DAY) }]);
    const swept = async () => {
      const r = await platform.db.query<{ value: string }>(
        "SELECT value FROM hc_watermarks WHERE name = 'retention.last_purge'",
      );
      const last = r.rows[0]
        ? (JSON.parse(r.rows[0].value) as { datasets: { dataset: string; deleted: number }[] })
        : undefined;
      return last?.datasets.some((d) => d.dataset === scans && d.deleted === 1) ?? false;
    };
    const workers = await startWorkers(platform, { only: ['retention'], everyMs: { retention: 10 } });
    try {
      for (let i = 0; i < 1000 && !(await swept()); i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await workers.stop();
    }
    assert.equal(await consistent(scans), 0);
    assert.equal((await versions(scans)).length, 0);
  });
});
