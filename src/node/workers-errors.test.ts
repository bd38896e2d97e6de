import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { eventually } from '../testing/cluster.js';
import { startWorkers, type WorkerName } from './workers.js';

// Its own file, so its own database: the test breaks a table a worker needs.
describeEachEngine('node workers: failures', (getPlatform) => {
  test('a failing step is reported to onError (the node logs it) and the loop goes on', async () => {
    const p = await getPlatform();
    await p.db.exec('DROP TABLE hc_dirty');
    const failures: { worker: WorkerName; message: string }[] = [];
    const workers = await startWorkers(p, {
      only: ['recompute'],
      everyMs: { recompute: 5 },
      onError: (worker, err) => failures.push({ worker, message: String((err as Error).message) }),
    });
    try {
      await eventually(() => assert.ok(failures.length >= 2), {
        what: 'the recompute step failed twice, and was told each time',
      });
      assert.ok(failures.every((f) => f.worker === 'recompute'));
      assert.match(failures[0]!.message, /hc_dirty/);
    } finally {
      await workers.stop();
    }
  });
});
