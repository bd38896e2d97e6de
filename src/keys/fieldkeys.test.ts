import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { sharingFixture } from '../testing/fixtures.js';
import type { RunningPlatform } from '../node/platform.js';
import { saveKeyring } from '../crypto/keyring.js';
import { reencryptionDone } from './fieldkeys.js';

describeEachEngine('field-key rotation', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  let dir: string;
  let keyFile: string;

  before(async () => {
    platform = await getPlatform();
    dir = mkdtempSync(join(tmpdir(), 'govshare-keys-'));
    keyFile = join(dir, 'field-keys.json');
    saveKeyring(keyFile, platform.ring);
    server = await startTestServer(platform, { keyFile });
    f = await sharingFixture(platform, server.url);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('rotation re-encrypts every stored value under the new key in the background; lookups keep working', async () => {
    const oldKey = platform.ring.activeId;
    const before = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM records WHERE data::text LIKE $1`,
      [`%enc:v1:${oldKey}:%`],
    );
    assert.ok(before.rows[0]!.n > 0);
    assert.equal((await f.api(f.admin.token)('POST', '/api/v1/audit/tree-heads')).status, 201); // creates the audit signing key
    const signing = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM node_keys WHERE private_key LIKE $1`,
      [`enc:v1:${oldKey}:%`],
    );
    assert.equal(signing.rows[0]!.n, 1);
    assert.equal((await f.api(f.consumer.token)('POST', '/api/v1/admin/field-keys/rotate')).status, 403);
    const res = await f.api(f.admin.token)('POST', '/api/v1/admin/field-keys/rotate');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.notEqual(res.body.activeKey, oldKey);
    assert.deepEqual(res.body.keys, [oldKey, res.body.activeKey]);
    assert.equal(
      JSON.parse(readFileSync(keyFile, 'utf8')).active,
      res.body.activeKey,
      'the key file holds the new active key',
    );
    await reencryptionDone(platform);
    const status = (await f.api(f.admin.token)('GET', '/api/v1/admin/field-keys')).body;
    assert.equal(status.running, false);
    assert.equal(status.error, null);
    assert.ok(status.reencrypted >= before.rows[0]!.n);
    const left = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM records WHERE data::text LIKE $1`,
      [`%enc:v1:${oldKey}:%`],
    );
    assert.equal(left.rows[0]!.n, 0, 'nothing left under the old key');
    const own = await f.api(f.owner.token)('POST', `/api/v1/datasets/${f.ds.conditional}/records/search`, {
      key: f.people[0]!.citizen_id,
    });
    assert.equal(
      own.body.items[0].data.citizen_id,
      f.people[0]!.citizen_id,
      'blind-index lookup and decryption after rotation',
    );
    const ing = await f.api(f.owner.token)('POST', `/api/v1/datasets/${f.ds.conditional}/records`, [f.people[0]]);
    assert.equal(ing.body.unchanged, 1, 'content hashes survive rotation: the same row is still unchanged');
    const keysLeft = await platform.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM node_keys WHERE private_key LIKE $1`,
      [`enc:v1:${oldKey}:%`],
    );
    assert.equal(keysLeft.rows[0]!.n, 0, 'the node’s own signing keys are re-encrypted too');
  });
});
