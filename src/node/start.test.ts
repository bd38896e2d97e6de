import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig } from '../config.js';
import { client } from '../testing/server.js';
import { openPostgres } from '../db/postgres.js';
import { startNode } from './start.js';

const quiet = () => undefined;

test('the first start on an empty data directory builds the demo province; data survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-start-'));
  try {
    const config = loadConfig({ dataDir: dir, port: 0, persons: 200 }, {});
    const lines: string[] = [];
    const first = await startNode(config, (l) => lines.push(l));
    const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
    const token = creds.tokens[creds.adminDepartment];
    assert.ok(
      lines.some((l) => l.includes(`${first.url}/docs`)),
      'prints the docs URL',
    );
    assert.ok(
      lines.some((l) => l.includes(join(dir, 'demo-credentials.json'))),
      'names the credentials file',
    );
    const banner = lines.join('\n');
    for (const t of Object.values<string>(creds.tokens)) assert.ok(!banner.includes(t), 'prints no token');
    const ids = [...creds.sampleResidents, ...Object.values<string>(creds.healthSamples)];
    assert.ok(ids.length > 0);
    for (const id of ids) assert.ok(!banner.includes(id), 'prints no ID number');
    assert.doesNotMatch(banner, /gst_|\d{17}[\dX]/, 'nothing shaped like a token or an ID number');
    const before = await client(first.url, token)('GET', '/api/v1/datasets');
    await first.close();
    assert.ok(existsSync(join(dir, 'PG_VERSION')), 'PGlite keeps its data directory on disk');

    const again: string[] = [];
    const second = await startNode(config, (l) => again.push(l));
    try {
      assert.ok(!again.some((l) => l.includes('Building the demo')), 'no second demo build');
      const after = await client(second.url, token)('GET', '/api/v1/datasets');
      assert.equal(after.status, 200);
      assert.deepEqual(
        after.body.items.map((d: any) => [d.id, d.recordCount]),
        before.body.items.map((d: any) => [d.id, d.recordCount]),
      );
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--no-demo starts an empty node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-start-'));
  try {
    const node = await startNode(loadConfig({ dataDir: dir, port: 0, demo: false }, {}), quiet);
    await node.close();
    assert.ok(!existsSync(join(dir, 'demo-credentials.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'runs on PostgreSQL when a database URL is set',
  { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL not set' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govshare-start-'));
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const url = process.env.TEST_DATABASE_URL!;
    try {
      const node = await startNode(
        loadConfig({ dataDir: dir, port: 0, persons: 100, databaseUrl: url, dbSchema: schema }, {}),
        quiet,
      );
      try {
        const res = await client(node.url)('GET', '/readyz');
        assert.deepEqual(res.body, { status: 'ready', engine: 'postgres' });
      } finally {
        await node.close();
      }
    } finally {
      const db = await openPostgres({ url });
      await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('configuration: flags over environment over defaults, with clear errors', () => {
  assert.equal(loadConfig({}, {}).port, 8080);
  assert.equal(loadConfig({}, {}).host, '127.0.0.1');
  assert.equal(loadConfig({}, { PORT: '9000' }).port, 9000);
  assert.equal(loadConfig({ port: '9001' }, { PORT: '9000' }).port, 9001);
  assert.equal(loadConfig({}, { DATABASE_URL: 'postgres://x' }).databaseUrl, 'postgres://x');
  assert.match(loadConfig({}, { GOVSHARE_DATA_DIR: '/tmp/gs' }).dataDir, /\/tmp\/gs$/);
  assert.throws(() => loadConfig({ port: 'eighty' }, {}), /port must be an integer/);
  assert.throws(() => loadConfig({ persons: 0 }, {}), /persons/);
});

test('health-code settings come from flags and the environment, and are checked', () => {
  const c = loadConfig({ region: '440300' }, { GOVSHARE_CODE_TTL: '60', GOVSHARE_RETENTION_DAYS: '14' });
  assert.equal(c.region, '440300');
  assert.equal(c.codeTtlSeconds, 60);
  assert.equal(c.retentionDays, 14);
  assert.equal(loadConfig({}, { GOVSHARE_REGION: '110000' }).region, '110000');
  assert.equal(loadConfig({}, {}).region, '440000');
  assert.throws(() => loadConfig({ region: '44' }, {}), /6-digit/);
  assert.throws(() => loadConfig({}, { GOVSHARE_CODE_TTL: '0' }), /GOVSHARE_CODE_TTL/);
});

test('federation settings: role, hub URL and key, from flags, a config file or the environment, all checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-fedcfg-'));
  try {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const hubKey = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const file = join(dir, 'federation.json');
    writeFileSync(
      file,
      JSON.stringify({ role: 'region', region: '110000', hub: 'http://hub.example:8090/', hubKey, syncSeconds: 5 }),
    );
    const c = loadConfig({ federationConfig: file }, {});
    assert.deepEqual(
      [c.role, c.region, c.hubUrl, c.hubKey, c.syncSeconds],
      ['region', '110000', 'http://hub.example:8090', hubKey, 5],
    );
    assert.equal(
      loadConfig({ federationConfig: file, region: '310000' }, {}).region,
      '310000',
      'flags win over the file',
    );
    assert.equal(loadConfig({}, { GOVSHARE_ROLE: 'hub' }).role, 'hub');
    assert.equal(loadConfig({}, {}).role, 'standalone');
    assert.throws(() => loadConfig({ role: 'region' }, {}), /hub URL/);
    assert.throws(() => loadConfig({ role: 'boss' }, {}), /role must be/);
    assert.throws(() => loadConfig({ role: 'region', hubUrl: 'ftp://x' }, {}), /http/);
    assert.throws(() => loadConfig({}, { GOVSHARE_HUB_KEY: 'bm90IGEga2V5' }), /P-256 public key/);
    writeFileSync(file, JSON.stringify({ role: 'region', hubb: 'x' }));
    assert.throws(() => loadConfig({ federationConfig: file }, {}), /unknown keys: hubb/);
    writeFileSync(file, '{');
    assert.throws(() => loadConfig({ federationConfig: file }, {}), /cannot read the federation config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
