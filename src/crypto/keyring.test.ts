import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Keyring, loadKeyring, saveKeyring, type KeyringData } from './keyring.js';
import { decryptValue, encryptValue } from './fields.js';

const b64 = (n: number, fill = 7): string => Buffer.alloc(n, fill).toString('base64');

function withTmp(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'govshare-keyring-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('generate: one active 32-byte key with a well-formed id, and a distinct index key', () => {
  const ring = Keyring.generate();
  const data = ring.toJSON();
  assert.equal(data.keys.length, 1);
  assert.equal(data.active, ring.activeId);
  assert.deepEqual(ring.ids, [ring.activeId]);
  assert.match(ring.activeId, /^k\d{8}-[0-9a-f]{8}$/);
  assert.equal(Buffer.from(data.keys[0]!.key, 'base64').length, 32);
  assert.equal(Buffer.from(data.indexKey, 'base64').length, 32);
  assert.notEqual(data.keys[0]!.key, data.indexKey);
  assert.notEqual(Keyring.generate().toJSON().indexKey, data.indexKey);
});

test('parse(toJSON()) round-trips, from an object and from a JSON string', () => {
  const ring = Keyring.generate().rotate();
  const data = ring.toJSON();
  assert.deepEqual(Keyring.parse(data).toJSON(), data);
  assert.deepEqual(Keyring.parse(JSON.stringify(data)).toJSON(), data);
});

test('parse rejects bad keyrings with a message naming the problem and never the key material', () => {
  const good = Keyring.generate().rotate().toJSON();
  const [k0, k1] = [good.keys[0]!, good.keys[1]!];
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', `{"active": "${k0.key}"`, /not valid JSON/],
    ['array', [], /must be a JSON object/],
    ['no keys', { ...good, keys: [] }, /"keys" must be a non-empty array/],
    ['duplicate id', { ...good, keys: [k0, { ...k1, id: k0.id }] }, /duplicate key id/],
    ['bad id', { ...good, keys: [k0, { ...k1, id: k1.key }] }, /keys\[1\]\.id must match/],
    ['unknown active', { ...good, active: 'nope' }, /active key "nope" is not in keys/],
    ['active is key material', { ...good, active: k0.key }, /"active" must be a key id/],
    ['short key', { ...good, keys: [k0, { ...k1, key: b64(31) }] }, /key ".*" must be exactly 32 bytes \(got 31\)/],
    ['long key', { ...good, keys: [k0, { ...k1, key: b64(33) }] }, /must be exactly 32 bytes \(got 33\)/],
    ['not base64', { ...good, keys: [k0, { ...k1, key: `${k1.key.slice(0, 40)}!!!=` }] }, /must be a base64 string/],
    ['short indexKey', { ...good, indexKey: b64(16) }, /"indexKey" must be exactly 32 bytes/],
    ['missing indexKey', { active: good.active, keys: good.keys }, /"indexKey" must be a base64 string/],
    ['indexKey reuses a field key', { ...good, indexKey: k1.key }, /indexKey must differ from field key/],
    ['same key twice', { ...good, keys: [k0, { ...k1, key: k0.key }] }, /have the same key material/],
    ['bad createdAt', { ...good, keys: [k0, { ...k1, createdAt: 'yesterday' }] }, /createdAt must be an ISO 8601 date/],
  ];
  const secrets = [k0.key, k1.key, good.indexKey, b64(31), b64(33), b64(16), `${k1.key.slice(0, 40)}!!!=`];
  for (const [name, input, re] of cases) {
    assert.throws(
      () => Keyring.parse(input as KeyringData),
      (e: Error) => {
        assert.match(e.message, re, name);
        for (const s of secrets)
          assert.ok(!e.message.includes(s), `${name}: message contains key material: ${e.message}`);
        return true;
      },
      name,
    );
  }
});

test('rotate makes a new key active and keeps the old ones; the index key stays', () => {
  const ring = Keyring.generate();
  const next = ring.rotate();
  assert.notEqual(next.activeId, ring.activeId);
  assert.deepEqual(next.ids, [ring.activeId, next.activeId]);
  assert.equal(next.toJSON().indexKey, ring.toJSON().indexKey);
  assert.deepEqual(ring.ids, [ring.activeId], 'the original keyring is unchanged');
  assert.ok(next.describe().find((k) => k.id === next.activeId)?.active);
});

test('retire drops a non-active key and refuses the active or an unknown one', () => {
  const ring = Keyring.generate();
  const next = ring.rotate();
  assert.deepEqual(next.retire(ring.activeId).ids, [next.activeId]);
  assert.throws(() => next.retire(next.activeId), /cannot retire the active key/);
  assert.throws(() => next.retire('nope'), /no key "nope"/);
});

test('inspecting a keyring shows ids, not key material', () => {
  const ring = Keyring.generate();
  const shown = inspect(ring, { depth: 5, showHidden: true });
  assert.ok(shown.includes(ring.activeId));
  assert.ok(!shown.includes(ring.toJSON().keys[0]!.key));
  assert.ok(!shown.includes(ring.toJSON().indexKey));
});

test('loadKeyring creates the file (mode 0600, parent dir created) on first use and reads it back after', () => {
  withTmp((dir) => {
    const file = join(dir, 'data', 'field-keys.json');
    const first = loadKeyring({ file, create: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'data')), ['field-keys.json'], 'no temporary files left behind');
    const second = loadKeyring({ file, create: true });
    assert.deepEqual(second.toJSON(), first.toJSON());
    const token = encryptValue(first, 'x');
    assert.equal(decryptValue(second, token), 'x');
  });
});

test('loadKeyring without create throws when there is no file and no env', () => {
  withTmp((dir) => {
    const file = join(dir, 'field-keys.json');
    assert.throws(() => loadKeyring({ file, create: false }), /does not exist/);
    assert.throws(() => loadKeyring({ env: '', file, create: false }), /does not exist/, 'empty env counts as unset');
    assert.equal(existsSync(file), false);
  });
});

test(
  'loadKeyring refuses a keyring file readable by group or others, and says how to fix it',
  { skip: process.platform === 'win32' },
  () => {
    withTmp((dir) => {
      const file = join(dir, 'field-keys.json');
      saveKeyring(file, Keyring.generate());
      for (const mode of [0o644, 0o640, 0o604, 0o660]) {
        chmodSync(file, mode);
        assert.throws(
          () => loadKeyring({ file, create: true }),
          /accessible by group or others.*chmod 600/,
          mode.toString(8),
        );
      }
      chmodSync(file, 0o600);
      assert.ok(loadKeyring({ file, create: false }));
    });
  },
);

test('loadKeyring prefers the env value over the file, and names the env variable on a bad value', () => {
  withTmp((dir) => {
    const file = join(dir, 'field-keys.json');
    const onDisk = Keyring.generate();
    saveKeyring(file, onDisk);
    const fromEnv = Keyring.generate();
    const ring = loadKeyring({ env: JSON.stringify(fromEnv.toJSON()), file, create: true });
    assert.equal(ring.activeId, fromEnv.activeId);
    assert.notEqual(ring.activeId, onDisk.activeId);
    assert.throws(
      () => loadKeyring({ env: '{"keys": []}', file, create: true }),
      /^Error: GOVSHARE_FIELD_KEYS: field keyring: "keys"/,
    );
  });
});

test('loadKeyring names the file on a corrupt keyring file', () => {
  withTmp((dir) => {
    const file = join(dir, 'field-keys.json');
    writeFileSync(file, '{"active":', { mode: 0o600 });
    assert.throws(
      () => loadKeyring({ file, create: true }),
      (e: Error) => e.message.startsWith(`${file}: field keyring: not valid JSON`),
    );
  });
});

test('saveKeyring replaces the file atomically with mode 0600', () => {
  withTmp((dir) => {
    const file = join(dir, 'field-keys.json');
    const ring = Keyring.generate();
    saveKeyring(file, ring);
    const rotated = ring.rotate();
    saveKeyring(file, rotated);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['field-keys.json']);
    assert.deepEqual(loadKeyring({ file, create: false }).toJSON(), rotated.toJSON());
  });
});
