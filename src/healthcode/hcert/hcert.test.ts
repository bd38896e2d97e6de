import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { Decoder } from 'cbor-x';
import { base45Decode, base45Encode } from './base45.js';
import { CODE_PREFIX, codeKeyFrom, issueCode, kidOf, trustListEntry, trustLookup, verifyCode } from './index.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = codeKeyFrom(privateKey);
const NOW = Date.parse('2022-05-01T08:00:00Z');
const trust = trustLookup({
  version: 1,
  issuedAt: new Date(NOW).toISOString(),
  issuer: '440000',
  entries: [
    trustListEntry(publicKey, {
      region: '440100',
      validFrom: NOW - 86_400_000,
      validTo: NOW + 86_400_000,
      status: 'active',
    }),
  ],
});
const input = {
  iss: '440100',
  sub: 'p7Qx-3kd9',
  colour: 'yellow',
  ruleSet: 'GD-HC',
  ruleVersion: '2022.04.30',
  now: NOW,
} as const;

describe('issueCode', () => {
  test('round trip: verifies, claims exactly as issued', () => {
    const { text, claims } = issueCode({ ...input, statusTime: NOW / 1000 - 3600 }, key);
    assert.ok(text.startsWith(CODE_PREFIX));
    assert.deepEqual(claims, {
      iss: '440100',
      sub: 'p7Qx-3kd9',
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
      cti: claims.cti,
      colour: 'yellow',
      ruleSet: 'GD-HC',
      ruleVersion: '2022.04.30',
      statusTime: NOW / 1000 - 3600,
    });
    assert.match(claims.cti, /^[0-9a-f]{32}$/);
    const r = verifyCode(text, trust, NOW + 1000);
    assert.equal(r.reason, 'ok');
    assert.ok(r.valid);
    assert.deepEqual(r.claims, claims);
    assert.equal(r.kid, key.kid.toString('base64'));
    assert.equal(r.region, '440100');
  });

  test('defaults: statusTime = iat, ttl 300 s; every code has its own cti', () => {
    const a = issueCode(input, key).claims;
    const b = issueCode({ ...input, ttlSeconds: 60 }, key).claims;
    assert.equal(a.statusTime, a.iat);
    assert.equal(a.exp - a.iat, 300);
    assert.equal(b.exp - b.iat, 60);
    assert.notEqual(a.cti, b.cti);
  });

  test('protected header is exactly {1: -7, 4: kid}, preferred encoding; tag 18', () => {
    const cose = inflateSync(base45Decode(issueCode(input, key).text, CODE_PREFIX.length)!);
    assert.equal(cose[0], 0xd2); // tag(18)
    const [prot] = new Decoder({ mapsAsObjects: false }).decode(cose).value as Buffer[];
    assert.equal(prot!.toString('hex'), 'a2012604' + '48' + key.kid.toString('hex'));
  });

  test('kidOf is the first 8 bytes of SHA-256 over the SPKI', () => {
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    assert.deepEqual(kidOf(spki), createHash('sha256').update(spki).digest().subarray(0, 8));
    assert.deepEqual(key.kid, kidOf(spki));
  });

  test('refuses bad input: resident ID as sub, bad issuer, bad colour, wrong kid size, non-P-256 key', () => {
    assert.throws(() => issueCode({ ...input, sub: '44010619900101123X' }, key), /pseudonymous/);
    assert.throws(() => issueCode({ ...input, iss: '4401' }, key), /iss/);
    assert.throws(() => issueCode({ ...input, colour: 'blue' as never }, key), /colour/);
    assert.throws(() => issueCode({ ...input, ttlSeconds: 0 }, key), /ttlSeconds/);
    assert.throws(() => issueCode(input, { ...key, kid: key.kid.subarray(0, 4) }), /kid/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    assert.throws(() => issueCode(input, { kid: key.kid, privateKey: p384 }), /P-256/);
  });
});

describe('base45 (RFC 9285)', () => {
  test('the RFC examples', () => {
    const cases: [string, string][] = [
      ['AB', 'BB8'],
      ['Hello!!', '%69 VD92EX0'],
      ['base-45', 'UJCLQE7W581'],
      ['ietf!', 'QED8WEX0'],
    ];
    for (const [plain, encoded] of cases) {
      assert.equal(base45Encode(Buffer.from(plain)), encoded);
      assert.equal(base45Decode(encoded)!.toString(), plain);
    }
  });

  test('rejects what the RFC forbids', () => {
    assert.equal(base45Decode('GGW'), undefined); // 65536
    assert.equal(base45Decode('ZZ'), undefined); // 1259 > 255
    assert.equal(base45Decode('BB8A'), undefined); // dangling character
    assert.equal(base45Decode('bb8'), undefined); // lower case
    assert.equal(base45Decode('BB\u00e98'.slice(0, 3)), undefined); // non-ASCII
    assert.deepEqual(base45Decode('FGW'), Buffer.from([0xff, 0xff]));
    assert.deepEqual(base45Decode(''), Buffer.alloc(0));
  });

  test('agrees with the base45 package on random data', () => {
    const pkg = createRequire(import.meta.url)('base45') as { encode(b: Uint8Array): string };
    for (let n = 0; n < 64; n++) {
      const bytes = randomBytes(n);
      const text = base45Encode(bytes);
      assert.equal(text, pkg.encode(bytes));
      assert.deepEqual(base45Decode(text), bytes);
    }
  });
});
