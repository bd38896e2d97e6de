import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac } from 'node:crypto';
import { Keyring } from './keyring.js';
import {
  CryptoError,
  blindIndex,
  contentHash,
  decryptJsonValue,
  decryptValue,
  encryptJsonValue,
  encryptValue,
  isEncrypted,
  keyIdOf,
  reencryptValue,
} from './fields.js';
import type { CryptoErrorCode } from './fields.js';

const ring = Keyring.generate();

const failsWith = (code: CryptoErrorCode, f: () => unknown, message?: string): void => {
  assert.throws(f, (e: unknown) => e instanceof CryptoError && e.code === code, message);
};

/** Flips one bit of the decoded body at `index` (negative: from the end). */
function flipBit(token: string, index: number): string {
  const cut = token.lastIndexOf(':') + 1;
  const body = Buffer.from(token.slice(cut), 'base64url');
  const i = index < 0 ? body.length + index : index;
  body[i]! ^= 0x01;
  return token.slice(0, cut) + body.toString('base64url');
}

test('strings round-trip, including Chinese, emoji and the empty string', () => {
  for (const s of ['', 'hello', '张三', '广东省广州市天河区 🏥', 'a'.repeat(10_000), 'line\nbreak\u0000nul']) {
    const token = encryptValue(ring, s, 'persons/name');
    assert.ok(isEncrypted(token));
    assert.equal(decryptValue(ring, token, 'persons/name'), s);
  }
});

test('the token has the documented layout: enc:v1:<keyId>:<base64url(iv || ciphertext || tag)>', () => {
  const token = encryptValue(ring, '张三', 'ctx');
  const [e, v, id, data, ...rest] = token.split(':');
  assert.deepEqual([e, v, id, rest], ['enc', 'v1', ring.activeId, []]);
  assert.equal(keyIdOf(token), ring.activeId);
  const body = Buffer.from(data!, 'base64url');
  assert.equal(body.length, 12 + Buffer.byteLength('张三') + 16);
  // Decrypt independently of decryptValue, with the raw AES-256-GCM primitive.
  const d = createDecipheriv('aes-256-gcm', ring.key(ring.activeId)!, body.subarray(0, 12));
  d.setAAD(Buffer.from('ctx'));
  d.setAuthTag(body.subarray(-16));
  assert.equal(Buffer.concat([d.update(body.subarray(12, -16)), d.final()]).toString('utf8'), '张三');
});

test('numbers and booleans round-trip with their type through the JSON variants', () => {
  for (const v of [0, -1, 42, 3.14159, 1e21, Number.MAX_SAFE_INTEGER, true, false, '', '42', 'true', '张三']) {
    const back = decryptJsonValue(ring, encryptJsonValue(ring, v, 'd/f'), 'd/f');
    assert.equal(typeof back, typeof v);
    assert.equal(back, v);
  }
});

test('encryptJsonValue refuses values that would not round-trip', () => {
  for (const v of [NaN, Infinity, null, undefined, {}, [1]]) {
    assert.throws(() => encryptJsonValue(ring, v as unknown as number), TypeError, String(v));
  }
});

test('decryptJsonValue of a value that is not a JSON scalar is malformed', () => {
  failsWith('malformed', () => decryptJsonValue(ring, encryptValue(ring, 'plain text')));
  failsWith('malformed', () => decryptJsonValue(ring, encryptValue(ring, '{"a":1}')));
  failsWith('malformed', () => decryptJsonValue(ring, encryptValue(ring, 'null')));
});

test('the same plaintext encrypts to different tokens (random IV)', () => {
  const tokens = new Set(Array.from({ length: 2000 }, () => encryptValue(ring, 'same', 'ctx')));
  assert.equal(tokens.size, 2000);
  const ivs = new Set(
    [...tokens].map((t) =>
      Buffer.from(t.slice(t.lastIndexOf(':') + 1), 'base64url')
        .subarray(0, 12)
        .toString('hex'),
    ),
  );
  assert.equal(ivs.size, 2000);
});

test('a token from another keyring fails with unknown_key', () => {
  const other = Keyring.generate();
  failsWith('unknown_key', () => decryptValue(other, encryptValue(ring, 'x')));
  failsWith('unknown_key', () => decryptJsonValue(other, encryptJsonValue(ring, 1)));
});

test('a token whose key id is in the keyring but with other key material fails with auth_failed', () => {
  const data = Keyring.generate().toJSON();
  const impostor = Keyring.parse({ ...data, active: ring.activeId, keys: [{ ...data.keys[0]!, id: ring.activeId }] });
  failsWith('auth_failed', () => decryptValue(impostor, encryptValue(ring, 'x')));
});

test('a flipped bit anywhere (IV, ciphertext, tag) fails with auth_failed', () => {
  const token = encryptValue(ring, 'sensitive value', 'ctx');
  const len = Buffer.from(token.slice(token.lastIndexOf(':') + 1), 'base64url').length;
  for (let i = 0; i < len; i++)
    failsWith('auth_failed', () => decryptValue(ring, flipBit(token, i), 'ctx'), `byte ${i}`);
});

test('a wrong or missing AAD fails with auth_failed', () => {
  const token = encryptValue(ring, 'x', 'persons/citizen_id');
  failsWith('auth_failed', () => decryptValue(ring, token, 'persons/name'));
  failsWith('auth_failed', () => decryptValue(ring, token));
  failsWith('auth_failed', () => decryptValue(ring, encryptValue(ring, 'x'), 'persons/name'));
  assert.equal(decryptValue(ring, token, 'persons/citizen_id'), 'x');
});

test('malformed tokens fail with malformed', () => {
  const good = encryptValue(ring, 'x');
  const data = good.slice(good.lastIndexOf(':') + 1);
  const id = ring.activeId;
  const bad = [
    '',
    'plain',
    'enc:v1:',
    `enc:v1:${id}`,
    `enc:v2:${id}:${data}`,
    `enc:v1:bad id!:${data}`,
    `enc:v1:${'k'.repeat(33)}:${data}`,
    `enc:v1:${id}:`,
    `enc:v1:${id}:${data}=`,
    `enc:v1:${id}:${data.slice(0, 10)}`, // shorter than IV + tag
    `enc:v1:${id}:${data}*`,
    `enc:v1:${id}:${data}:extra`,
    `enc:v1:${id}:${data.replace(/^./, '+')}`, // standard base64, not base64url
    `enc:v1:${id}:A`, // length % 4 === 1 is never valid base64
  ];
  for (const t of bad) failsWith('malformed', () => decryptValue(ring, t), JSON.stringify(t));
  failsWith('malformed', () => decryptValue(ring, 42 as unknown as string));
  failsWith('malformed', () => reencryptValue(ring, 'plain'));
});

test('isEncrypted and keyIdOf', () => {
  assert.equal(isEncrypted(encryptValue(ring, 'x')), true);
  for (const v of ['x', '', 'enc:v2:k:abc', 42, null, undefined, { a: 1 }])
    assert.equal(isEncrypted(v), false, String(v));
  assert.equal(keyIdOf('enc:v1:k1:abc'), 'k1');
  assert.equal(keyIdOf('enc:v1:k1'), undefined);
  assert.equal(keyIdOf('enc:v1::abc'), undefined);
  assert.equal(keyIdOf('plain'), undefined);
});

test('rotation: old tokens still decrypt, reencryptValue moves them to the new key, and leaves new ones alone', () => {
  const old = Keyring.generate();
  const oldTokens = [
    encryptValue(old, '张三', 'p/name'),
    encryptJsonValue(old, 37.5, 'p/temp'),
    encryptJsonValue(old, true, 'p/flag'),
  ];
  const aads = ['p/name', 'p/temp', 'p/flag'];
  const ring2 = old.rotate();
  assert.equal(decryptValue(ring2, oldTokens[0]!, 'p/name'), '张三');

  const moved = oldTokens.map((t, i) => reencryptValue(ring2, t, aads[i]));
  for (const m of moved) {
    assert.equal(m.changed, true);
    assert.equal(keyIdOf(m.value), ring2.activeId);
  }
  assert.equal(decryptValue(ring2, moved[0]!.value, 'p/name'), '张三');
  assert.equal(decryptJsonValue(ring2, moved[1]!.value, 'p/temp'), 37.5);
  assert.equal(decryptJsonValue(ring2, moved[2]!.value, 'p/flag'), true);

  // After re-encryption the old key can go, and the moved values still decrypt.
  const retired = ring2.retire(old.activeId);
  assert.equal(decryptValue(retired, moved[0]!.value, 'p/name'), '张三');
  failsWith('unknown_key', () => decryptValue(retired, oldTokens[0]!, 'p/name'));

  const fresh = encryptValue(ring2, 'new', 'p/name');
  assert.deepEqual(reencryptValue(ring2, fresh, 'p/name'), { value: fresh, changed: false });
  // Re-encryption keeps the AAD binding.
  failsWith('auth_failed', () => reencryptValue(ring2, oldTokens[0]!, 'p/other'));
});

test('blindIndex is deterministic, 32 base64url characters, and differs by value, domain and index key', () => {
  const a = blindIndex(ring, '440106199001011234', 'citizen_id');
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(blindIndex(ring, '440106199001011234', 'citizen_id'), a);
  assert.equal(blindIndex(Keyring.parse(ring.toJSON()), '440106199001011234', 'citizen_id'), a);
  assert.equal(
    blindIndex(ring.rotate(), '440106199001011234', 'citizen_id'),
    a,
    'field-key rotation keeps blind indexes',
  );
  assert.notEqual(blindIndex(ring, '440106199001011235', 'citizen_id'), a);
  assert.notEqual(blindIndex(ring, '440106199001011234', 'phone'), a);
  assert.notEqual(blindIndex(Keyring.generate(), '440106199001011234', 'citizen_id'), a);
  // The NUL separator keeps (domain, value) pairs apart.
  assert.notEqual(blindIndex(ring, 'bc', 'a'), blindIndex(ring, 'c', 'ab'));
});

test('blindIndex refuses an empty domain, a NUL in it, and the domain reserved for contentHash', () => {
  assert.throws(() => blindIndex(ring, 'x', ''), TypeError);
  assert.throws(() => blindIndex(ring, 'x', 'a\u0000b'), TypeError);
  assert.throws(() => blindIndex(ring, 'x', 'content'), /reserved/);
});

test('contentHash is a keyed, deterministic 43-character hash', () => {
  const json = '{"citizen_id":"440106199001011234","result":"negative"}';
  const h = contentHash(ring, json);
  assert.match(h, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(contentHash(ring, json), h);
  assert.notEqual(contentHash(ring, `${json} `), h);
  assert.notEqual(contentHash(Keyring.generate(), json), h);
  assert.equal(contentHash(ring.rotate(), json), h, 'field-key rotation keeps content hashes');
});

test('blindIndex and contentHash match HMAC-SHA256 over the documented inputs (known answer)', () => {
  const indexKey = Buffer.alloc(32, 0x42);
  const fixed = Keyring.parse({
    active: 'k1',
    keys: [{ id: 'k1', key: Buffer.alloc(32, 1).toString('base64'), createdAt: '2024-01-01T00:00:00Z' }],
    indexKey: indexKey.toString('base64'),
  });
  const hmac = (s: string): string => createHmac('sha256', indexKey).update(s, 'utf8').digest('base64url');
  assert.equal(blindIndex(fixed, '张三', 'name'), hmac('name\u0000张三').slice(0, 32));
  assert.equal(contentHash(fixed, '{"a":1}'), hmac('content\u0000{"a":1}'));
  // Pinned: stored blind indexes and content hashes must never change across versions.
  assert.equal(blindIndex(fixed, '440106199001011234', 'citizen_id'), 'U-bz9KUUZM-r61232X__diaCplFnzDds');
  assert.equal(contentHash(fixed, '{}'), 'dP1t9NcZcpxD4NFn-wdIouVC58klVYN8RU78y7cTvYc');
});
