// The process harness itself: a standalone `govshare start` as a real process, restarted on the same port with the
// same data (after SIGTERM and after SIGKILL), cleaned up afterwards. Runs on PGlite, or on PostgreSQL (its own
// schema) when TEST_DATABASE_URL is set.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateCreditCode } from '../standard/index.js';
import { openPostgres } from '../db/postgres.js';
import { client } from './server.js';
import { eventually, startCluster, startNodeProcess, type NodeProcess } from './cluster.js';

const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function departmentIds(node: NodeProcess): Promise<string[]> {
  const res = await client(node.url, node.adminToken)('GET', '/api/v1/departments');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((d: any) => d.id).sort();
}

async function addDepartment(node: NodeProcess, id: string, org: string): Promise<void> {
  const res = await client(node.url, node.adminToken)('POST', '/api/v1/departments', {
    id,
    name: { 'zh-CN': '集群测试部门', en: 'Cluster test department' },
    creditCode: generateCreditCode(`11440106${org}`),
    level: 'district',
    region: '440106',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

test(
  `a standalone node process keeps its port and data over stop/start and kill/start [${engine}]`,
  { timeout: 600_000 },
  async () => {
    const node = await startNodeProcess({ region: '440000', persons: 50 });
    after(() => node.destroy());
    assert.equal(node.role, 'standalone');
    assert.equal(node.url, `http://127.0.0.1:${node.port}`);
    assert.ok(node.port > 0);
    assert.match(node.adminToken, /\S/);
    assert.match(node.logs(), /Building the demo province/);

    const ready = await client(node.url)('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', engine });

    // A department added after the demo: found again only if the same database comes back.
    await addDepartment(node, 'cluster-probe-a', 'MB2C91001');
    const before = await departmentIds(node);
    assert.ok(before.includes('cluster-probe-a') && before.length > 1, before.join());

    const pid1 = node.pid()!;
    await node.stop();
    assert.equal(node.pid(), undefined);
    assert.equal(alive(pid1), false);
    await assert.rejects(fetch(`${node.url}/healthz`), 'nothing answers on the port while stopped');

    await node.start();
    assert.equal((await client(node.url)('GET', '/readyz')).status, 200);
    assert.deepEqual(
      await departmentIds(node),
      before,
      'same departments after a clean restart, with the same admin token',
    );
    assert.equal(node.logs().match(/Building the demo province/g)?.length, 1, 'the demo is not rebuilt on restart');

    await addDepartment(node, 'cluster-probe-b', 'MB2C91002');
    const pid2 = node.pid()!;
    assert.notEqual(pid2, pid1);
    await node.kill();
    assert.equal(alive(pid2), false);

    await node.start();
    assert.equal((await client(node.url)('GET', '/readyz')).status, 200);
    assert.deepEqual(
      await departmentIds(node),
      [...before, 'cluster-probe-b'].sort(),
      'committed data survives SIGKILL',
    );
    assert.equal(node.logs().match(/Building the demo province/g)?.length, 1);
    await assert.rejects(node.start(), /already running/);

    const { dataDir, schema } = node;
    const pid3 = node.pid()!;
    await node.destroy();
    assert.equal(alive(pid3), false);
    assert.equal(existsSync(dataDir), false, 'destroy removes the data directory');
    if (schema) {
      const db = await openPostgres({ url: process.env.TEST_DATABASE_URL!, max: 1 });
      try {
        const { rows } = await db.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
        assert.equal(rows.length, 0, 'destroy drops the schema');
      } finally {
        await db.close();
      }
    }
  },
);

test('a node that cannot start fails with its output, and leaves nothing behind', { timeout: 120_000 }, async () => {
  const err = await startNodeProcess({ region: '12' }).then(
    () => assert.fail('a bad region must not start'),
    (e: Error) => e,
  );
  assert.match(err.message, /exited \(code [1-9]\d*\) before listening/);
  assert.match(err.message, /6-digit/, 'the node’s own message is in the error');
  assert.deepEqual(
    readdirSync(tmpdir()).filter((f) => f.startsWith('govshare-node-12-')),
    [],
    'its temp data directory is removed',
  );
});

test(
  `startCluster: a hub and a region node registered at it, all removed by stop() [${engine}]`,
  { timeout: 600_000 },
  async () => {
    const cluster = await startCluster(['440000'], { syncSeconds: 1 });
    after(() => cluster.stop());
    const gd = cluster.regions['440000']!;
    assert.deepEqual(Object.keys(cluster.regions), ['440000']);
    assert.deepEqual([cluster.hub.role, cluster.hub.region, gd.role], ['hub', '100000', 'region']);
    const hub = await client(cluster.hub.url, cluster.hub.adminToken)('GET', '/api/v1/federation/status');
    assert.equal(hub.status, 200, JSON.stringify(hub.body));
    assert.deepEqual([hub.body.role, hub.body.region], ['hub', '100000']);
    const region = await client(gd.url, gd.adminToken)('GET', '/api/v1/federation/status');
    assert.equal(region.status, 200, JSON.stringify(region.body));
    assert.deepEqual([region.body.role, region.body.region], ['region', '440000']);
    const dirs = [cluster.hub.dataDir, gd.dataDir];
    await cluster.stop();
    assert.deepEqual(
      dirs.filter((d) => existsSync(d)),
      [],
      'the data directories are removed',
    );
    assert.equal(cluster.hub.pid(), undefined);
  },
);

test('eventually retries until the check passes, else fails with the last error', async () => {
  let n = 0;
  assert.equal(
    await eventually(
      () => {
        n += 1;
        assert.ok(n >= 3, `attempt ${n}`);
        return n;
      },
      { intervalMs: 1 },
    ),
    3,
  );
  await assert.rejects(
    eventually(() => assert.fail('never'), { timeoutMs: 20, intervalMs: 1, what: 'the impossible' }),
    /the impossible not reached within 0.02 s: never/,
  );
});
