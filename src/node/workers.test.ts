import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeEachEngine } from '../testing/db.js';
import { eventually } from '../testing/cluster.js';
import { startWorkers, type WorkerName } from './workers.js';

const NAMES: WorkerName[] = [
  'tree-heads',
  'recompute',
  'risk-areas',
  'retention',
  'federation',
  'answer-refresh',
  'code-keys',
];
const fast = Object.fromEntries(NAMES.map((n) => [n, 5])) as Record<WorkerName, number>;

describeEachEngine('node workers', (getPlatform) => {
  test('every worker starts from node/workers.ts and its work runs: keys at start, tree heads, recompute queue, retention', async () => {
    const p = await getPlatform();
    const subject = `w-${Date.now()}`;
    await p.db.query(`INSERT INTO hc_dirty (subject, cause) VALUES ($1, 'test')`, [subject]);
    const workers = await startWorkers(p, { everyMs: fast });
    try {
      // At start, before any loop: the first code key and the node key.
      const keys = await p.db.query<{ purpose: string }>(
        `SELECT purpose FROM node_keys WHERE status = 'active' AND purpose IN ('code', 'node') ORDER BY purpose`,
      );
      assert.deepEqual(
        keys.rows.map((r) => r.purpose),
        ['code', 'node'],
      );
      await eventually(
        async () => {
          const runs = workers.runs();
          for (const n of NAMES) assert.ok(runs[n] >= 1, `${n} ran: ${JSON.stringify(runs)}`);
          const heads = await p.db.query('SELECT 1 FROM audit_tree_heads LIMIT 1');
          assert.equal(heads.rows.length, 1, 'a tree head is signed');
          const dirty = await p.db.query('SELECT 1 FROM hc_dirty WHERE subject = $1', [subject]);
          assert.equal(dirty.rows.length, 0, 'the recompute worker drained the queue');
          const purged = await p.db.query(`SELECT 1 FROM hc_watermarks WHERE name = 'retention.last_purge'`);
          assert.equal(purged.rows.length, 1, 'the retention sweeper ran');
        },
        { what: 'every worker ran' },
      );
    } finally {
      await workers.stop();
    }
    // Stopped: no worker steps any more.
    const after = workers.runs();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(workers.runs(), after);
  });
});

test('starting and stopping the workers leaves no timer: the process exits by itself', async () => {
  const fixture = fileURLToPath(new URL('./workers.fixture.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  // A guard, not a timing assertion: a timer left running keeps the process alive until this kills it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(guard);
  assert.equal(signal, null, `the process had to be killed: it did not exit by itself\n${out}`);
  assert.equal(code, 0, out);
  const report = JSON.parse(out.trim().split('\n').pop()!) as { runs: Record<string, number>; timers: string[] };
  for (const n of NAMES) assert.ok(report.runs[n]! >= 1, `${n} ran in the child: ${out}`);
  assert.deepEqual(report.timers, [], 'no timer is left after stop');
});
