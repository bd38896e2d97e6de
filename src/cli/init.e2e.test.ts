// The production first start, end to end: `govshare start` on a fresh PostgreSQL schema (no demo), then
// `govshare init` as a real process, and the administrator token it prints used through the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../db/postgres.js';
import { describeEachEngine } from '../testing/db.js';
import { client } from '../testing/server.js';
import { generateCreditCode } from '../standard/index.js';
import { memoryIo } from './io.js';
import { run } from './program.js';
import { initNode } from '../node/init.js';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const PG_URL = process.env.TEST_DATABASE_URL;
const ADMIN_CODE = generateCreditCode('11440000MB2C90001');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function govshare(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      env: { ...process.env, GOVSHARE_TOKEN: '', GOVSHARE_DEMO: '', DATABASE_URL: '', GOVSHARE_FIELD_KEYS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const initArgs = (db: string[], id = 'gd-dc'): string[] => [
  'init',
  ...db,
  '--department-id',
  id,
  '--name-zh',
  '广东省政务大数据中心',
  '--name-en',
  'Guangdong Government Big Data Center',
  '--credit-code',
  ADMIN_CODE,
  '--region',
  '440000',
];

// Skipped only on a developer's machine without PostgreSQL; in CI a missing database is a failure, not a skip.
if (!PG_URL && process.env.CI === 'true')
  test('PostgreSQL first start', () => assert.fail('CI=true but TEST_DATABASE_URL is unset: this test needs it'));

describe(
  'PostgreSQL first start: start without a demo, init, the printed token works',
  { skip: !PG_URL && 'TEST_DATABASE_URL not set' },
  () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    let dir: string;
    let server: ChildProcess;
    let url: string;
    let banner = '';
    const db = (): string[] => ['--database-url', PG_URL!, '--db-schema', schema, '--data-dir', dir];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'govshare-init-'));
      server = spawn(process.execPath, ['--import', 'tsx', BIN, 'start', ...db(), '--port', '0', '--persons', '50'], {
        env: { ...process.env, GOVSHARE_DEMO: '', DATABASE_URL: '', GOVSHARE_FIELD_KEYS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${banner}`)), 120_000);
        server.stdout!.on('data', (d) => {
          banner += d;
          const m = /listening on (http:\/\/\S+)/.exec(banner);
          if (m && banner.includes('/healthz')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        server.stderr!.on('data', (d) => (banner += d));
        server.on('exit', (code) => reject(new Error(`server exited ${code}: ${banner}`)));
      });
    });

    after(async () => {
      if (server?.exitCode === null) {
        const exited = new Promise((r) => server.on('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      const pg = await openPostgres({ url: PG_URL! });
      await pg.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pg.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('no demo on PostgreSQL without --demo: the banner says to run init', () => {
      assert.doesNotMatch(banner, /Building the demo/);
      assert.match(banner, /govshare init/);
    });

    test('init prints only the token; it creates a department through the API; a second init refuses', async () => {
      const first = await govshare(initArgs(db()));
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^gst_[A-Za-z0-9_-]+\n$/, 'stdout is the token alone');
      const token = first.stdout.trim();
      assert.ok(!first.stderr.includes(token), 'the token is not repeated on stderr');

      const api = client(url, token);
      const me = await api('GET', '/api/v1/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.role, 'admin');
      const created = await api('POST', '/api/v1/departments', {
        id: 'gd-hc',
        name: { 'zh-CN': '广东省卫生健康委员会', en: 'Health Commission of Guangdong Province' },
        creditCode: generateCreditCode('11440000006939572'),
        level: 'provincial',
        region: '440000',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const list = await api('GET', '/api/v1/departments');
      assert.deepEqual(
        list.body.items.map((d: { id: string }) => d.id),
        ['gd-dc', 'gd-hc'],
        'no demo departments',
      );

      const second = await govshare(initArgs(db(), 'gd-dc2'));
      assert.notEqual(second.code, 0);
      assert.equal(second.stdout, '');
      assert.match(second.stderr, /already has an administrator/);
    });
  },
);

describeEachEngine('init', (getPlatform) => {
  test('creates the admin department and token, audits both, and refuses a second time', async () => {
    const platform = await getPlatform();
    const input = {
      departmentId: 'init-dc',
      nameZh: '数据中心',
      nameEn: 'Data Center',
      creditCode: ADMIN_CODE,
      region: '440100',
    };
    const r = await initNode(platform, input);
    const dept = await platform.db.query<{ role: string; level: string }>(
      'SELECT role, level FROM departments WHERE id = $1',
      ['init-dc'],
    );
    assert.deepEqual(dept.rows[0], { role: 'admin', level: 'city' });
    await platform.ledger.flush();
    const entries = await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq');
    const actions = entries.rows.map(
      (e) => JSON.parse(e.entry) as { action: string; detail?: Record<string, unknown> },
    );
    const mine = actions.filter((e) => e.detail?.department === 'init-dc').map((e) => e.action);
    assert.deepEqual(mine, ['departments.create', 'tokens.issue']);
    assert.ok(!entries.rows.some((e) => e.entry.includes(r.token)), 'the token is in no audit entry');
    await assert.rejects(initNode(platform, { ...input, departmentId: 'init-dc2' }), /already has an administrator/);
  });
});

test('init without a terminal names the flags it needs and checks the credit code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-init-'));
  try {
    const io = memoryIo();
    assert.equal(await run(['init', '--data-dir', dir], io), 2);
    assert.match(io.stderr(), /--department-id, --name-zh, --name-en, --credit-code/);
    const bad = memoryIo();
    const args = initArgs(['--data-dir', dir]);
    args[args.indexOf('--credit-code') + 1] = ADMIN_CODE.slice(0, 17) + (ADMIN_CODE.endsWith('0') ? '1' : '0');
    assert.equal(await run(args, bad), 2);
    assert.match(bad.stderr(), /GB 32100/);
    assert.equal(bad.stdout(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init on a terminal asks for what the flags do not give, re-asks a bad value, and prints only the token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-init-'));
  try {
    const bad = ADMIN_CODE.slice(0, 17) + (ADMIN_CODE.endsWith('0') ? '1' : '0');
    const io = memoryIo({ stdin: `gd-dc\n数据中心\nData Center\n${bad}\n${ADMIN_CODE}\n\n` });
    Object.assign(io.stdin, { isTTY: true });
    assert.equal(await run(['init', '--data-dir', dir], io), 0, io.stderr());
    assert.match(io.stdout(), /^gst_[A-Za-z0-9_-]+\n$/);
    assert.match(io.stderr(), /统一社会信用代码[^\n]*: +the credit code is not a valid GB 32100 code/);
    assert.match(io.stderr(), /Region code[^\n]*\[440000\]/, 'the region is offered with its default');
    assert.match(io.stderr(), /administrator department gd-dc created/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
