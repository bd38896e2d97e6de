import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import { openSealed, sealFor } from './index.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const gd = p256();
const sz = p256();
const ID = '44030519900307123X';
const AAD = 'm_AAAAAAAAAAAAAAAAAAAAAA';
const CANNOT = { name: 'Error', message: 'cannot open sealed value' };

describe('ECDH with node keys', () => {
  test('an ES256 signing key (as keys/signing.ts stores and loads it) also agrees keys with crypto.diffieHellman', () => {
    // keys/signing.ts stores DER pkcs8 / spki and rebuilds KeyObjects from them
    const priv = createPrivateKey({
      key: gd.privateKey.export({ format: 'der', type: 'pkcs8' }),
      format: 'der',
      type: 'pkcs8',
    });
    const pub = createPublicKey({
      key: gd.publicKey.export({ format: 'der', type: 'spki' }),
      format: 'der',
      type: 'spki',
    });
    const sig = sign('sha256', Buffer.from('x'), { key: priv, dsaEncoding: 'ieee-p1363' });
    assert.ok(verify('sha256', Buffer.from('x'), { key: pub, dsaEncoding: 'ieee-p1363' }, sig));
    const ab = diffieHellman({ privateKey: priv, publicKey: sz.publicKey });
    const ba = diffieHellman({ privateKey: sz.privateKey, publicKey: pub });
    assert.equal(ab.length, 32);
    assert.deepEqual(ab, ba);
  });
});

describe('seal and open', () => {
  test('round trip; the format; fresh randomness each time', () => {
    const sealed = sealFor(sz.publicKey, ID, AAD);
    assert.match(sealed, /^seal1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const [, eph, iv, ct] = sealed.split('.') as [string, string, string, string];
    assert.equal(
      createPublicKey({ key: Buffer.from(eph, 'base64url'), format: 'der', type: 'spki' }).asymmetricKeyDetails
        ?.namedCurve,
      'prime256v1',
    );
    assert.equal(Buffer.from(iv, 'base64url').length, 12);
    assert.equal(Buffer.from(ct, 'base64url').length, Buffer.byteLength(ID) + 16);
    assert.equal(openSealed(sz.privateKey, sealed, AAD), ID);
    assert.notEqual(sealFor(sz.publicKey, ID, AAD), sealed);
  });

  test('any short string, empty and non-ASCII included; a private key given as recipient uses its public half', () => {
    for (const text of ['', '张三 110101199003070011', 'x'.repeat(1000)]) {
      assert.equal(openSealed(sz.privateKey, sealFor(sz.publicKey, text, ''), ''), text);
    }
    assert.equal(openSealed(sz.privateKey, sealFor(sz.privateKey, ID, AAD), AAD), ID);
  });

  test('wrong AAD fails (a value cannot move to another message)', () => {
    const sealed = sealFor(sz.publicKey, ID, AAD);
    assert.throws(() => openSealed(sz.privateKey, sealed, 'm_BBBBBBBBBBBBBBBBBBBBBB'), CANNOT);
    assert.throws(() => openSealed(sz.privateKey, sealed, ''), CANNOT);
  });

  test("another node's key fails; a public key or a non-P-256 key fails", () => {
    const sealed = sealFor(sz.publicKey, ID, AAD);
    assert.throws(() => openSealed(gd.privateKey, sealed, AAD), CANNOT);
    assert.throws(() => openSealed(sz.publicKey, sealed, AAD), CANNOT);
    assert.throws(() => openSealed(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, sealed, AAD), CANNOT);
    assert.throws(() => openSealed(generateKeyPairSync('ed25519').privateKey, sealed, AAD), CANNOT);
  });

  test('tampered ciphertext, tag, iv or ephemeral key fails', () => {
    const sealed = sealFor(sz.publicKey, ID, AAD);
    const parts = sealed.split('.');
    const flip = (i: number, byte: number) => {
      const buf = Buffer.from(parts[i]!, 'base64url');
      buf[byte < 0 ? buf.length + byte : byte]! ^= 1;
      return parts.map((p, j) => (j === i ? buf.toString('base64url') : p)).join('.');
    };
    assert.throws(() => openSealed(sz.privateKey, flip(3, 0), AAD), CANNOT); // ciphertext
    assert.throws(() => openSealed(sz.privateKey, flip(3, -1), AAD), CANNOT); // tag
    assert.throws(() => openSealed(sz.privateKey, flip(2, 0), AAD), CANNOT); // iv
    assert.throws(() => openSealed(sz.privateKey, flip(1, -1), AAD), CANNOT); // ephemeral point
    const otherEph = sealFor(sz.publicKey, ID, AAD).split('.')[1]!;
    assert.throws(() => openSealed(sz.privateKey, [parts[0], otherEph, parts[2], parts[3]].join('.'), AAD), CANNOT);
  });

  test('malformed sealed texts fail with the same error', () => {
    const sealed = sealFor(sz.publicKey, ID, AAD);
    const [, eph, iv, ct] = sealed.split('.') as [string, string, string, string];
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64url');
    for (const bad of [
      '',
      'seal1',
      sealed.replace('seal1', 'seal2'),
      `${sealed}.x`,
      `seal1.${eph}.${iv}`,
      `seal1.${eph}.${iv}.`,
      `seal1.${eph}.${iv}.${ct.slice(0, 20)}`,
      `seal1.${eph}.${iv.slice(0, 8)}.${ct}`,
      `seal1.${eph}.${iv}.${ct}=`,
      `seal1.${eph}.${iv}.${ct.replace(/.$/, '+')}`,
      `seal1.${p384}.${iv}.${ct}`,
      `seal1.AAAA.${iv}.${ct}`,
      `seal1.${eph}.${iv}.${'A'.repeat(20_000)}`,
    ]) {
      assert.throws(() => openSealed(sz.privateKey, bad, AAD), CANNOT, bad.slice(0, 40));
    }
    assert.throws(() => openSealed(sz.privateKey, 42 as unknown as string, AAD), CANNOT);
  });

  test('sealFor refuses a key that is not EC P-256', () => {
    assert.throws(() => sealFor(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, ID, AAD), TypeError);
    assert.throws(() => sealFor(generateKeyPairSync('ed25519').publicKey, ID, AAD), TypeError);
  });
});
