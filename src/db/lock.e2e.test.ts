// The PGlite data directory's lock, with real processes: a running node's directory is refused to a second
// command, which names the holder; a lock left by a dead process is taken over. (PostgreSQL has no data directory
// to lock: these run on the embedded engine only.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../testing/cli-process.js';
import { client } from '../testing/server.js';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './lock.js';
import { openPglite } from './pglite.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'govshare-lock-'));

test('a running node’s data directory is refused by `govshare demo --data-dir`, which names the holder and exits non-zero', async () => {
  const dir = tempDir();
  const node = spawnCli(['start', '--no-demo', '--port', '0', '--data-dir', dir]);
  try {
    const [, url] = await node.waitFor(/listening on (http:\/\/\S+)/);
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    assert.equal(lock.pid, node.pid);
    assert.equal(lock.command, 'govshare start');

    const demo = spawnCli(['demo', '--data-dir', dir, '--persons', '10']);
    const exit = await demo.exit();
    assert.deepEqual(exit, { code: 1, signal: null }, demo.output());
    assert.match(
      demo.output(),
      new RegExp(`data directory ${dir} is in use by pid ${node.pid} \\(govshare start\\) on host \\S+ since \\d{4}-`),
    );
    assert.doesNotMatch(demo.output(), /demo province built/);

    // The node was not disturbed, and its lock is still its own.
    assert.equal((await client(url!)('GET', '/readyz')).status, 200);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, node.pid);

    node.child.kill('SIGTERM');
    assert.deepEqual(await node.exit(), { code: 0, signal: null }, node.output());
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock goes with the node');
    const db = await openPglite({ dataDir: dir });
    await db.close();
  } finally {
    node.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock (its pid is not alive on this host) is taken over by the next start', async () => {
  const dir = tempDir();
  // A pid that was alive a moment ago and is not any more.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  assert.ok(deadPid > 0);
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ pid: deadPid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'govshare start' }),
  );
  const node = spawnCli(['start', '--no-demo', '--port', '0', '--data-dir', dir]);
  try {
    await node.waitFor(/listening on http/);
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, node.pid, 'the lock is the new node’s');
    node.child.kill('SIGTERM');
    assert.deepEqual(await node.exit(), { code: 0, signal: null }, node.output());
  } finally {
    node.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock held on another host, or by this process, is never taken over', async () => {
  const dir = tempDir();
  try {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({
        pid: 1,
        host: `not-${hostname()}`,
        since: '2026-01-01T00:00:00.000Z',
        command: 'govshare start',
      }),
    );
    assert.throws(
      () => lockDataDir(dir),
      (err: unknown) => err instanceof DataDirLockedError && /on host not-/.test(err.message),
    );
    rmSync(join(dir, LOCK_FILE));
    // The same process opening the directory twice: the second open is refused, the first keeps it.
    const first = await openPglite({ dataDir: dir });
    try {
      await assert.rejects(openPglite({ dataDir: dir }), DataDirLockedError);
      assert.deepEqual((await first.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    } finally {
      await first.close();
    }
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'released on close');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
