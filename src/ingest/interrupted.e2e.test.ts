// End to end: `govshare start` as a real process, a big CSV streaming into it, `kill -9` in the middle, a restart on
// the same data: the batch is failed (not left running), its staging table is gone, the dataset is as it was.
// On PostgreSQL the restart finds the dead process's lease still fresh for up to a lease; the test waits until it
// has lapsed (by the database's clock), so that the start-up sweep itself must give the batch up. On PGlite no
// other process can have the data directory open, so the start-up sweep gives up every running batch at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import type { Db, Engine } from '../db/types.js';
import { generateCitizenId } from '../standard/index.js';
import { eventually, startNodeProcess, type NodeProcess } from '../testing/cluster.js';
import { testEngines } from '../testing/db.js';
import { client } from '../testing/server.js';
import { stageTableOf } from './batches.js';

const DATASET = 'nucleic-acid-results'; // the demo's, owned by gd-labs
const MAX_ROWS = 3_000_000; // the upload is killed long before; if not, the test fails (the batch commits)

/** A node on the given engine (startNodeProcess takes PostgreSQL whenever TEST_DATABASE_URL is set). */
function startOn(engine: Engine): Promise<NodeProcess> {
  const url = process.env.TEST_DATABASE_URL;
  if (engine === 'pglite') delete process.env.TEST_DATABASE_URL;
  try {
    return startNodeProcess({ region: '440000', persons: 50 }); // reads the environment before its first await
  } finally {
    if (url !== undefined) process.env.TEST_DATABASE_URL = url;
  }
}

/** An endless CSV (valid rows, unique keys), counting the bytes the server has pulled. */
function bigCsv() {
  const enc = new TextEncoder();
  let i = 0;
  const state = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = i === 0 ? 'citizen_id,sample_time,result,lab_code\n' : '';
      for (let k = 0; k < 2000 && i < MAX_ROWS; k++, i++) {
        const birth = new Date(Date.UTC(1940, 0, 1) + Math.floor(i / 1000) * 86_400_000);
        const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
        chunk += `${generateCitizenId('440106', ymd, i % 1000)},2022-09-01T08:00:00Z,negative,GZ-KINGMED\n`;
      }
      const bytes = enc.encode(chunk);
      state.bytes += bytes.length;
      controller.enqueue(bytes);
      if (i >= MAX_ROWS) controller.close();
    },
  });
  return { stream, state };
}

async function catalogState(db: Db) {
  const batches = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ingest_batches WHERE status = 'running'`,
  );
  const stages = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'ingest\\_stage\\_%'
     UNION ALL SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'ingest\\_stage\\_%'`,
  );
  return { running: batches.rows[0]!.n, stages: stages.rows.map((r) => r.name) };
}

async function lastCsvBatch(db: Db) {
  const res = await db.query<{ id: string; status: string; rows_total: number; error: any }>(
    `SELECT id, status, rows_total, error FROM ingest_batches WHERE dataset_id = $1 AND format = 'csv' ORDER BY started_at DESC LIMIT 1`,
    [DATASET],
  );
  return res.rows[0];
}

for (const engine of testEngines()) {
  test(`kill -9 during an ingest, then a restart: no batch left running, no staging table, dataset as before [${engine}]`, async () => {
    const node = await startOn(engine);
    let db: Db | undefined;
    try {
      const creds = JSON.parse(readFileSync(join(node.dataDir, 'demo-credentials.json'), 'utf8'));
      const labs = client(node.url, creds.tokens['gd-labs']);
      const before = await labs('GET', `/api/v1/datasets/${DATASET}`);
      assert.equal(before.status, 200, JSON.stringify(before.body));

      const csv = bigCsv();
      const upload = labs('POST', `/api/v1/datasets/${DATASET}/records`, csv.stream, {
        'content-type': 'text/csv',
      }).then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      );
      let batchId: string | undefined;
      if (engine === 'postgres') {
        db = await openPostgres({ url: process.env.TEST_DATABASE_URL!, schema: node.schema!, max: 2 });
        const pg = db;
        // Registered, rows streaming into its staging table (COPY progress), and a lease renewal recorded counts.
        batchId = await eventually(
          async () => {
            const b = await lastCsvBatch(pg);
            assert.ok(b && b.status === 'running' && b.rows_total > 0, 'a running batch that has read rows');
            const copy = await pg.query<{ n: number }>(
              `SELECT p.tuples_processed::int AS n FROM pg_stat_progress_copy p JOIN pg_class c ON c.oid = p.relid
               WHERE c.relname = $1`,
              [stageTableOf(b.id)],
            );
            assert.ok((copy.rows[0]?.n ?? 0) > 0, 'rows are staging');
            return b.id;
          },
          { what: 'the batch staging rows', timeoutMs: 120_000 },
        );
      } else {
        // PGlite's data directory is the node's alone while it runs: the upload is far enough in once the node has
        // pulled 8 MB (several 4 MB pieces of staged rows, more than the socket buffers hold).
        await eventually(() => assert.ok(csv.state.bytes > 8 * 1024 * 1024), {
          what: 'the upload 8 MB in',
          timeoutMs: 120_000,
        });
      }
      await node.kill();
      const outcome = await upload;
      assert.ok('err' in outcome, `the upload broke off with the node: ${JSON.stringify(outcome)}`);

      if (db) {
        // As found: the batch is still running and its staging table is there.
        assert.equal((await lastCsvBatch(db))!.status, 'running');
        assert.ok((await catalogState(db)).stages.includes(stageTableOf(batchId!)));
        const left = await db.query<{ ms: number }>(
          `SELECT GREATEST(0, extract(epoch FROM lease_until - now()) * 1000)::int AS ms FROM ingest_batches WHERE id = $1`,
          [batchId],
        );
        await new Promise((r) => setTimeout(r, left.rows[0]!.ms + 500));
      }

      await node.start();
      const after = await labs('GET', `/api/v1/datasets/${DATASET}`);
      assert.equal(after.body.recordCount, before.body.recordCount, 'the dataset holds what it held');
      const again = await labs(
        'POST',
        `/api/v1/datasets/${DATASET}/records`,
        `citizen_id,sample_time,result,lab_code\n${generateCitizenId('440106', '19391231', 1)},2022-09-02T08:00:00Z,negative,GZ-KINGMED\n`,
        { 'content-type': 'text/csv' },
      );
      assert.equal(again.status, 200, `the node ingests again: ${JSON.stringify(again.body)}`);
      if (!db) {
        await node.stop();
        db = await openPglite({ dataDir: node.dataDir });
      }
      const batch = (
        await db.query<{ id: string; status: string; rows_total: number; error: any }>(
          `SELECT id, status, rows_total, error FROM ingest_batches WHERE dataset_id = $1 AND format = 'csv' ORDER BY started_at LIMIT 1`,
          [DATASET],
        )
      ).rows[0]!;
      batchId ??= batch.id;
      assert.equal(batch.id, batchId);
      assert.deepEqual([batch.status, batch.error?.code], ['failed', 'batch_abandoned'], 'the killed batch failed');
      if (engine === 'postgres') assert.ok(batch.rows_total > 0, 'with the count of rows it had read');
      assert.deepEqual(await catalogState(db), { running: 0, stages: [] }, 'no batch running, no staging table');
      const fromIt = await db.query('SELECT 1 FROM records WHERE batch_id = $1 LIMIT 1', [batchId]);
      assert.equal(fromIt.rows.length, 0, 'nothing of the killed batch was stored');
    } finally {
      await db?.close();
      await node.destroy();
    }
  });
}
