// `govshare start` as a real process, stopped by SIGTERM at the awkward moments: during the demo build (the next
// start builds it again and its credentials work), with a request in flight that never ends (the bound ends the
// drain and the exit says so), before listening (the directory opens again); and a busy port, reported before
// the demo build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '../db/lock.js';
import { MARKER_FILE } from '../demo/marker.js';
import { eventually } from '../testing/cluster.js';
import { spawnCli, storageArgs } from '../testing/cli-process.js';
import { testEngines } from '../testing/db.js';
import { client } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'govshare-stop-'));
const LISTENING = /listening on (http:\/\/\S+)/;

for (const engine of testEngines()) {
  test(`SIGTERM during the demo build: a clean stop; the next start builds the demo again and its token works [${engine}]`, async () => {
    const dir = tempDir();
    const storage = storageArgs(engine, dir);
    // Enough residents that the build is still running when the signal arrives (checked below by the marker).
    const args = ['start', '--demo', '--port', '0', '--persons', '2000', ...storage.args];
    try {
      const first = spawnCli(args);
      await first.waitFor(/Building the demo province/);
      first.child.kill('SIGTERM');
      assert.deepEqual(await first.exit(), { code: 0, signal: null }, first.output());
      assert.doesNotMatch(first.output(), /listening on/);
      assert.match(first.output(), /SIGTERM before listening; stopped/);
      assert.ok(existsSync(join(dir, MARKER_FILE)), 'the build was cut short, and marked so');
      assert.ok(!existsSync(join(dir, 'demo-credentials.json')), 'no credentials from the cut build');
      assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock is released');

      const second = spawnCli(args);
      try {
        const [, url] = await second.waitFor(LISTENING, 600_000);
        assert.match(second.output(), /last demo build was interrupted; building it again/);
        assert.ok(!existsSync(join(dir, MARKER_FILE)), 'the marker goes once the build is done');
        const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
        assert.equal(creds.persons, 2000);
        const res = await client(url!, creds.tokens[creds.adminDepartment])('GET', '/api/v1/datasets');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(res.body.items.length > 0);
        const residents = res.body.items.find((d: { id: string }) => d.id === 'residents');
        assert.equal(residents.recordCount, 2000, 'one province, not a partial one plus a new one');
        second.child.kill('SIGTERM');
        assert.deepEqual(await second.exit(), { code: 0, signal: null }, second.output());
      } finally {
        second.child.kill('SIGKILL');
      }
    } finally {
      await storage.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`SIGTERM with an upload in flight that never ends and --shutdown-seconds 1: the node stops anyway, exit 1 [${engine}]`, async () => {
    const dir = tempDir();
    const storage = storageArgs(engine, dir);
    const args = ['start', '--demo', '--port', '0', '--persons', '50', '--shutdown-seconds', '1', ...storage.args];
    try {
      const node = spawnCli(args);
      try {
        const [, url] = await node.waitFor(LISTENING);
        const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
        // An upload that sends 8 MB of rows (more than socket buffers hold, so the server is reading it) and then
        // waits forever: without a bound the drain would wait for it.
        const enc = new TextEncoder();
        let sent = 0;
        let i = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent > 8 * 1024 * 1024) return new Promise<void>(() => undefined);
            let chunk = i === 0 ? 'citizen_id,sample_time,result,lab_code\n' : '';
            for (let k = 0; k < 2000; k++, i++) {
              const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000);
              const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
              chunk += `${generateCitizenId('440106', ymd, i % 1000)},2022-09-01T08:00:00Z,negative,GZ-KINGMED\n`;
            }
            const bytes = enc.encode(chunk);
            sent += bytes.length;
            controller.enqueue(bytes);
            return undefined;
          },
        });
        const upload = client(url!, creds.tokens['gd-labs'])(
          'POST',
          '/api/v1/datasets/nucleic-acid-results/records',
          body,
          { 'content-type': 'text/csv' },
        ).then(
          (res) => ({ res }),
          (err: unknown) => ({ err }),
        );
        await eventually(() => assert.ok(sent > 8 * 1024 * 1024), { what: 'the upload 8 MB in', timeoutMs: 120_000 });
        node.child.kill('SIGTERM');
        // A guard, not a timing assertion: without the bound the node waits for the upload and is killed here.
        const exit = await node.exit(90_000);
        assert.deepEqual(exit, { code: 1, signal: null }, node.output());
        assert.match(node.output(), /stopped after 1 s with work unfinished/);
        const outcome = await upload;
        assert.ok(
          'err' in outcome || outcome.res.status >= 500,
          `the upload did not succeed: ${JSON.stringify(outcome)}`,
        );

        // The data opens again: the node starts on it, and stops cleanly (exit 0) when nothing is in flight.
        const again = spawnCli(args);
        try {
          await again.waitFor(LISTENING);
          again.child.kill('SIGTERM');
          assert.deepEqual(await again.exit(), { code: 0, signal: null }, again.output());
        } finally {
          again.child.kill('SIGKILL');
        }
      } finally {
        node.child.kill('SIGKILL');
      }
    } finally {
      await storage.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`a busy port is reported before the demo build, with the port named [${engine}]`, async () => {
    const dir = tempDir();
    const storage = storageArgs(engine, dir);
    const busy = createServer();
    await new Promise<void>((r) => busy.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const node = spawnCli(['start', '--demo', '--host', '127.0.0.1', '--port', String(port), ...storage.args]);
      assert.deepEqual(await node.exit(), { code: 1, signal: null }, node.output());
      assert.match(node.output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(node.output(), /Building the demo/);
      assert.ok(!existsSync(join(dir, 'demo-credentials.json')));
    } finally {
      busy.close();
      await storage.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('SIGTERM before listening (while the database opens): a clean stop, and the directory opens again', async () => {
  const dir = tempDir();
  try {
    const first = spawnCli(['start', '--no-demo', '--port', '0', '--data-dir', dir]);
    // The lock is the first thing the node writes: from then on it is opening the database, not yet listening.
    await eventually(() => assert.ok(existsSync(join(dir, LOCK_FILE))), { intervalMs: 5, what: 'the lock taken' });
    first.child.kill('SIGTERM');
    assert.deepEqual(await first.exit(), { code: 0, signal: null }, first.output());
    assert.doesNotMatch(first.output(), /listening on/);
    assert.match(first.output(), /SIGTERM before listening; stopped/);
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock is released');

    const second = spawnCli(['start', '--no-demo', '--port', '0', '--data-dir', dir]);
    try {
      const [, url] = await second.waitFor(LISTENING);
      assert.equal((await client(url!)('GET', '/readyz')).status, 200);
      second.child.kill('SIGTERM');
      assert.deepEqual(await second.exit(), { code: 0, signal: null }, second.output());
    } finally {
      second.child.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
