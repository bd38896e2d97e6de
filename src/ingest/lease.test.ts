// Batch ownership by lease: the sweep gives up only batches whose lease has lapsed, never one a live process is
// reading (in this process or another API process on the same database), and a batch given up is never merged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';
import { openPostgres } from '../db/postgres.js';
import { platformOn, type RunningPlatform } from '../node/platform.js';
import type { Db } from '../db/types.js';
import { stageTableOf } from './batches.js';
import { eventually } from '../testing/cluster.js';
import { BatchLease, cleanupStaleBatches, LEASE_OWNER } from './lease.js';
import { startWorkers } from '../node/workers.js';

const id = (n: number) => generateCitizenId('440106', '19800202', n);
const TIME = '2022-08-01T08:00:00Z';
const CSV_HEAD = 'citizen_id,sample_time,result\n';

async function stagingTables(db: Db): Promise<string[]> {
  const res = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'ingest\\_stage\\_%' ORDER BY 1`,
  );
  return res.rows.map((r) => r.name);
}

/** A CSV body the test sends piece by piece: nothing reaches the server until push(), end() closes it. */
function slowBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const enc = new TextEncoder();
  return {
    stream,
    push: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
  };
}

describeEachEngine('ingest leases', (getPlatform, engine) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let owner: { id: string; token: string };
  let api: ReturnType<typeof client>;
  let n = 0;

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    owner = await makeDepartment(platform.db);
    api = client(server.url, owner.token);
  });
  after(async () => server.close());

  const newDataset = async () => {
    const dsId = `ls-${Math.random().toString(36).slice(2, 7)}-${++n}`;
    const res = await api('POST', '/api/v1/datasets', {
      id: dsId,
      title: { 'zh-CN': '测试', en: 'Test' },
      description: { 'zh-CN': '测试', en: 'test' },
      fields: [
        { name: 'citizen_id', element: 'citizen_id', required: true },
        { name: 'sample_time', element: 'nat_sample_time', required: true },
        { name: 'result', element: 'nat_result', required: true },
      ],
      key: ['citizen_id', 'sample_time'],
      updateFrequency: 'daily',
      coverage: { region: '440000' },
      sharingClass: 'unconditional',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return dsId;
  };

  /** Waits until the upload into `ds` is registered and staging (the batch id). */
  async function runningBatch(ds: string): Promise<string> {
    for (;;) {
      const res = await platform.db.query<{ id: string }>(
        `SELECT id FROM ingest_batches WHERE dataset_id = $1 AND status = 'running'`,
        [ds],
      );
      const found = res.rows[0]?.id;
      if (found && (await stagingTables(platform.db)).includes(stageTableOf(found))) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test('a lease is renewed with the counts so far, and notices when the batch is no longer its own', async () => {
    const ds = await newDataset();
    const bid = `bat_renew${Math.random().toString(36).slice(2, 10)}`;
    await platform.db.query(
      `INSERT INTO ingest_batches (id, dataset_id, department_id, format, status, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'csv', 'running', $4, now() + interval '1 second')`,
      [bid, ds, owner.id, LEASE_OWNER],
    );
    const read = async () =>
      (
        await platform.db.query<{ rows_total: number; rows_rejected: number; fresh: boolean }>(
          `SELECT rows_total, rows_rejected, lease_until > now() + interval '10 seconds' AS fresh FROM ingest_batches WHERE id = $1`,
          [bid],
        )
      ).rows[0]!;
    let progress = { total: 5, rejected: 1 };
    const lease = new BatchLease(platform.db, bid, () => progress, 20);
    try {
      await eventually(async () => assert.deepEqual(await read(), { rows_total: 5, rows_rejected: 1, fresh: true }));
      progress = { total: 9, rejected: 2 };
      await eventually(async () => assert.equal((await read()).rows_total, 9));
      assert.equal(lease.lost, false);
      await platform.db.query(`UPDATE ingest_batches SET status = 'failed' WHERE id = $1`, [bid]);
      await eventually(() => assert.ok(lease.lost, 'the lease knows it is lost'));
    } finally {
      await lease.stop();
    }
  });

  test('the sweep gives up batches whose lease lapsed (with their counts) and leaves fresh ones alone', async () => {
    const ds = await newDataset();
    const db = platform.db;
    const batches = {
      fresh: `bat_fresh${n}${Math.random().toString(36).slice(2, 8)}`, // another process, alive
      lapsed: `bat_lapsed${n}${Math.random().toString(36).slice(2, 8)}`, // a process that died
      leaseless: `bat_old${n}${Math.random().toString(36).slice(2, 8)}`, // from before leases, two hours old
      done: `bat_done${n}${Math.random().toString(36).slice(2, 8)}`, // committed, but its table was left behind
    };
    const insert = (bid: string, status: string, lease: string | null, started = 'now()') =>
      db.query(
        `INSERT INTO ingest_batches (id, dataset_id, department_id, format, status, rows_total, rows_rejected, lease_owner, lease_until, started_at)
         VALUES ($1, $2, $3, 'csv', $4, 24999, 7, 'pid1-elsewhere', ${lease ?? 'NULL'}, ${started})`,
        [bid, ds, owner.id, status],
      );
    await insert(batches.fresh, 'running', `now() + interval '1 minute'`);
    await insert(batches.lapsed, 'running', `now() - interval '1 second'`);
    await insert(batches.leaseless, 'running', null, `now() - interval '2 hours'`);
    await insert(batches.done, 'committed', null);
    for (const bid of Object.values(batches)) {
      await db.exec(`CREATE UNLOGGED TABLE "${stageTableOf(bid)}" (row_no integer)`);
      await db.exec(`INSERT INTO "${stageTableOf(bid)}" SELECT generate_series(1, 100)`);
    }

    const given = await cleanupStaleBatches(platform);
    assert.ok(given >= 2, `${given} batches given up`);
    const rows = await db.query<{ id: string; status: string; rows_total: number; rows_rejected: number; error: any }>(
      'SELECT id, status, rows_total, rows_rejected, error FROM ingest_batches WHERE dataset_id = $1',
      [ds],
    );
    const by = new Map(rows.rows.map((r) => [r.id, r]));
    assert.equal(by.get(batches.fresh)!.status, 'running', 'a fresh lease is never touched');
    for (const bid of [batches.lapsed, batches.leaseless]) {
      const r = by.get(bid)!;
      assert.deepEqual(
        [r.status, r.error?.code, r.rows_total, r.rows_rejected],
        ['failed', 'batch_abandoned', 24999, 7],
        `${bid}: failed with the counts it had`,
      );
    }
    assert.equal(by.get(batches.done)!.status, 'committed');
    const left = await stagingTables(db);
    assert.ok(left.includes(stageTableOf(batches.fresh)), 'the live batch keeps its staging table');
    for (const bid of [batches.lapsed, batches.leaseless, batches.done])
      assert.ok(!left.includes(stageTableOf(bid)), `${bid}: staging table dropped`);
    const entries = await db.query<{ entry: string }>(
      `SELECT entry FROM audit_entries WHERE entry LIKE '%batch_abandoned%' AND entry LIKE $1`,
      [`%"dataset":"${ds}"%`],
    );
    const audited = entries.rows.map((r) => JSON.parse(r.entry));
    assert.deepEqual(audited.map((e) => e.detail.batch).sort(), [batches.lapsed, batches.leaseless].sort());
    assert.ok(audited.every((e) => e.actor.kind === 'system' && e.detail.rows === 24999));
    // The fresh one is cleaned too once its lease lapses.
    await db.query(`UPDATE ingest_batches SET lease_until = now() - interval '1 second' WHERE id = $1`, [
      batches.fresh,
    ]);
    await cleanupStaleBatches(platform);
    assert.ok(!(await stagingTables(db)).includes(stageTableOf(batches.fresh)));
  });

  test('a batch being read by a live process is left alone by the sweep of another one, and lands', async () => {
    const ds = await newDataset();
    // On PostgreSQL a second platform on the same schema, as another API process would be; PGlite has one.
    const other =
      engine === 'postgres'
        ? platformOn(await openPostgres({ url: process.env.TEST_DATABASE_URL!, schema: platform.db.schema, max: 2 }), {
            ring: platform.ring, // processes on one database share the field keys (GOVSHARE_FIELD_KEYS)
          })
        : platform;
    try {
      const body = slowBody();
      const sent = api('POST', `/api/v1/datasets/${ds}/records`, body.stream, { 'content-type': 'text/csv' });
      body.push(CSV_HEAD + `${id(1)},${TIME},negative\n`);
      const bid = await runningBatch(ds);
      if (engine === 'postgres') {
        // Another API process starting: its start-up sweep, then its periodic one, stopped again.
        const workers = await startWorkers(other, { only: ['ingest-batches'] });
        await workers.stop();
      }
      assert.equal(await cleanupStaleBatches(other), 0);
      body.push(`${id(2)},${TIME},positive\n`);
      body.end();
      const res = await sent;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.batchId, res.body.status, res.body.inserted], [bid, 'committed', 2]);
    } finally {
      if (other !== platform) {
        await other.close();
        await other.db.close();
      }
    }
  });

  test('the start-up sweep: on PGlite every running batch is given up (no other process can be reading one); on PostgreSQL one with a fresh lease is left alone', async () => {
    const ds = await newDataset();
    const bid = `bat_start${Math.random().toString(36).slice(2, 10)}`;
    await platform.db.query(
      `INSERT INTO ingest_batches (id, dataset_id, department_id, format, status, lease_owner, lease_until)
       VALUES ($1, $2, $3, 'csv', 'running', 'pid1-before-restart', now() + interval '1 minute')`,
      [bid, ds, owner.id],
    );
    await platform.db.exec(`CREATE UNLOGGED TABLE "${stageTableOf(bid)}" (row_no integer)`);
    const workers = await startWorkers(platform, { only: ['ingest-batches'] });
    await workers.stop();
    const status = async () =>
      (await platform.db.query<{ status: string }>('SELECT status FROM ingest_batches WHERE id = $1', [bid])).rows[0]!
        .status;
    const staged = async () => (await stagingTables(platform.db)).includes(stageTableOf(bid));
    if (engine === 'pglite') {
      assert.equal(await status(), 'failed');
      assert.equal(await staged(), false);
      return;
    }
    // PostgreSQL: other API processes may be reading theirs; the batch goes only once its lease lapses.
    assert.equal(await status(), 'running');
    assert.equal(await staged(), true);
    await platform.db.query(`UPDATE ingest_batches SET lease_until = now() - interval '1 second' WHERE id = $1`, [bid]);
    assert.equal(await cleanupStaleBatches(platform), 1);
    assert.equal(await status(), 'failed');
    assert.equal(await staged(), false);
  });

  test('a batch given up while its process still reads it is never merged: 503, nothing stored', async () => {
    const ds = await newDataset();
    const body = slowBody();
    const sent = api('POST', `/api/v1/datasets/${ds}/records`, body.stream, { 'content-type': 'text/csv' });
    body.push(CSV_HEAD + `${id(3)},${TIME},negative\n`);
    const bid = await runningBatch(ds);
    // The process stalled longer than its lease (simulated): another sweep gives the batch up.
    await platform.db.query(
      `UPDATE ingest_batches SET lease_until = now() - interval '1 second', lease_owner = 'pid1-stalled' WHERE id = $1`,
      [bid],
    );
    // On PostgreSQL the sweep waits for the COPY into the staging table, which ends with the upload.
    const swept = cleanupStaleBatches(platform);
    body.push(`${id(4)},${TIME},negative\n`);
    body.end();
    const [res, given] = await Promise.all([sent, swept]);
    assert.equal(given, 1);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.deepEqual([res.body.code, res.body.batchId], ['batch_lease_lost', bid]);
    const stored = await platform.db.query('SELECT 1 FROM records WHERE dataset_id = $1', [ds]);
    assert.equal(stored.rows.length, 0);
    const batch = await api('GET', `/api/v1/ingest/batches/${bid}`);
    assert.deepEqual([batch.body.status, batch.body.error.code], ['failed', 'batch_abandoned']);
    assert.ok(!(await stagingTables(platform.db)).includes(stageTableOf(bid)));
  });
});
