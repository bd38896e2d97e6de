import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  canonicalJson,
  codeKeyFrom,
  signTrustList,
  trustListEntry,
  trustLookup,
  verifyTrustList,
  type SignedTrustList,
  type TrustListDoc,
} from './index.js';

const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...codeKeyFrom(privateKey), publicKey };
};
const node = newKey();
const a = newKey();
const b = newKey();
const NOW = Date.parse('2022-05-01T00:00:00Z');
const doc = (): TrustListDoc => ({
  version: 7,
  issuedAt: new Date(NOW).toISOString(),
  issuer: '440000',
  entries: [
    trustListEntry(a.publicKey, { region: '440100', validFrom: NOW - 1000, validTo: NOW + 1000, status: 'retired' }),
    trustListEntry(b.publicKey, { region: '440300', validFrom: new Date(NOW), validTo: NOW + 5000, status: 'active' }),
  ],
});
const clone = (s: SignedTrustList): SignedTrustList => JSON.parse(JSON.stringify(s)) as SignedTrustList;

describe('canonicalJson', () => {
  test('sorted keys, no whitespace, arrays in order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: [true, null, 'x\n"'], c: { z: -0.5, y: 1e21 } }),
      '{"a":[true,null,"x\\n\\""],"b":1,"c":{"y":1e+21,"z":-0.5}}',
    );
    assert.equal(canonicalJson({ é: 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
    assert.equal(canonicalJson({ skip: undefined, keep: 0 }), '{"keep":0}');
  });
  test('refuses what JSON cannot hold exactly', () => {
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson(1n), TypeError);
    assert.throws(() => canonicalJson(new Date(0)), TypeError);
    assert.throws(() => canonicalJson([undefined]), TypeError);
  });
});

describe('trust list', () => {
  test('sign, verify, and verify again after a JSON round trip with keys reordered', () => {
    const signed = signTrustList(doc(), node);
    assert.equal(signed.signature.alg, 'ES256');
    assert.equal(signed.signature.kid, node.kid.toString('base64'));
    assert.equal(Buffer.from(signed.signature.value, 'base64').length, 64);
    assert.ok(verifyTrustList(signed, node.publicKey));
    const copy = clone(signed);
    const { entries, version, issuer, issuedAt } = copy.list;
    copy.list = {
      entries: entries.map((e) => Object.fromEntries(Object.entries(e).reverse()) as typeof e),
      issuer,
      issuedAt,
      version,
    };
    assert.ok(verifyTrustList(copy, node.publicKey));
  });

  test('tampering fails: an entry status changed, an entry removed, another signer, a bad signature', () => {
    const signed = signTrustList(doc(), node);
    const revived = clone(signed);
    revived.list.entries[0]!.status = 'active';
    assert.equal(verifyTrustList(revived, node.publicKey), false);
    const shorter = clone(signed);
    shorter.list.entries.pop();
    assert.equal(verifyTrustList(shorter, node.publicKey), false);
    assert.equal(verifyTrustList(signed, a.publicKey), false);
    const bogus = clone(signed);
    bogus.signature.value = 'not base64!';
    assert.equal(verifyTrustList(bogus, node.publicKey), false);
    assert.equal(verifyTrustList({} as SignedTrustList, node.publicKey), false);
  });

  test('trustLookup builds each key once and maps the entry fields', () => {
    const lookup = trustLookup(doc());
    const ea = lookup(a.kid.toString('base64'));
    assert.ok(ea);
    assert.equal(ea, lookup(a.kid.toString('base64')));
    assert.equal(ea.region, '440100');
    assert.equal(ea.status, 'retired');
    assert.equal(ea.validFrom, NOW - 1000);
    assert.equal(ea.validTo, NOW + 1000);
    assert.ok(ea.publicKey.equals(a.publicKey));
    assert.equal(lookup(node.kid.toString('base64')), undefined);
  });

  test('trustLookup refuses inconsistent entries', () => {
    const wrongKid = doc();
    wrongKid.entries[0]!.kid = b.kid.toString('base64');
    assert.throws(() => trustLookup(wrongKid), /kid does not match/);
    const twice = doc();
    twice.entries.push(twice.entries[0]!);
    assert.throws(() => trustLookup(twice), /repeated kid/);
    const badDates = doc();
    badDates.entries[0]!.validTo = 'soon';
    assert.throws(() => trustLookup(badDates), /validity/);
    const notP256 = doc();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    notP256.entries[0] = trustListEntry(p384, { region: '440100', validFrom: 0, validTo: 1, status: 'active' });
    assert.throws(() => trustLookup(notP256), /P-256/);
  });
});
