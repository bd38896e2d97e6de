// End to end: `govshare start --log` as a real process on a small demo; requests that carry the demo's ID numbers
// (in the path, the query and the body, with and without a token); then its whole output is searched for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scrubPersonal } from './logging.js';

const BIN = fileURLToPath(new URL('../cli/bin.ts', import.meta.url));

test('scrubPersonal redacts ID and mobile numbers, not timestamps or longer digit runs', () => {
  assert.equal(
    scrubPersonal('{"a":"44010619900517123X","b":"/x/440106199005171234/y","c":13812345678,"time":1796301043668}'),
    '{"a":"[redacted]","b":"/x/[redacted]/y","c":[redacted],"time":1796301043668}',
  );
  assert.equal(
    scrubPersonal('{"responseTime":1.1381234567812,"n":99999999999999999999}'),
    '{"responseTime":1.1381234567812,"n":99999999999999999999}',
  );
});

test('a --log run writes no ID number of the demo, whatever the requests carry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-log-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'start', '--data-dir', dir, '--port', '0', '--persons', '200', '--log'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOVSHARE_LOG: '' } },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let ids: string[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 180_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m && out.includes('demo-credentials.json')) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then((code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
    const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
    ids = [...creds.sampleResidents, ...Object.values<string>(creds.healthSamples)];
    assert.ok(ids.length >= 5);
    const admin = creds.tokens[creds.adminDepartment] as string;
    const cdc = creds.tokens['gd-cdc'] as string;
    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      await res.arrayBuffer();
      return res.status;
    };
    for (const id of ids) {
      for (const token of [admin, cdc, 'gst_bogus', undefined]) {
        await call('GET', `/api/v1/datasets/residents/records/${id}`, token);
        await call('GET', `/api/v1/datasets/residents/records?subject=${id}&purpose=epidemic_tracing`, token);
        await call('POST', '/api/v1/health-status/lookup', token, { citizenId: id });
        await call('POST', '/api/v1/codes', token, { citizenId: id });
        await call('GET', `/api/v1/risk-areas/${id}%00`, token);
        await call('GET', `/api/v1/no-such-route/${id}?phone=13812345678`, token);
      }
      assert.equal(await call('POST', '/api/v1/elements/citizen_id/validate', undefined, { value: id }), 200);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(out, /"msg":"request completed"/, 'requests were logged');
  assert.match(out, /"route":"\/api\/v1\/datasets\/:id\/records\/:\w+"/, 'by their route template');
  for (const id of ids) assert.ok(!out.includes(id), 'no demo ID number in the output');
  const found = [...out.matchAll(/(?<![\d.])\d{17}[\dX](?![\dA-Za-z])/g)].map((m) => m[0]);
  assert.deepEqual(found, [], 'nothing shaped like an ID number either');
  assert.ok(!out.includes('13812345678'), 'no phone number');
  assert.ok(!/gst_[A-Za-z0-9_-]{20,}/.test(out), 'no token');
  assert.ok(!out.includes('remoteAddress'), 'no client address');
});
