import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { codeKeyFrom } from '../../healthcode/hcert/hcert.js';
import { trustListEntry, type TrustListEntryDoc } from '../../healthcode/hcert/trustlist.js';
import { kidOf } from '../../keys/signing.js';
import {
  covers,
  homeRegionOf,
  mergeEntries,
  signNationalList,
  verifyNationalList,
  type NationalListDoc,
  type RegionDoc,
  type SignedNationalList,
} from './index.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const hub = p256();
const hubKey = codeKeyFrom(hub.privateKey); // kid as a Buffer
const NOW = Date.parse('2022-05-01T00:00:00Z');
const entry = (region: string, status: 'active' | 'retired' | 'revoked' = 'active') =>
  trustListEntry(p256().publicKey, { region, validFrom: NOW - 1000, validTo: NOW + 86_400_000, status });
const regionDoc = (region: string, url: string): RegionDoc => {
  const spki = p256().publicKey.export({ format: 'der', type: 'spki' });
  return { region, url, kid: kidOf(spki), publicKey: spki.toString('base64') };
};
const doc = (): NationalListDoc => ({
  version: 3,
  issuedAt: new Date(NOW).toISOString(),
  issuer: '100000',
  entries: [entry('440100'), entry('440300', 'retired'), entry('110000')],
  regions: [
    regionDoc('440000', 'http://gd:8081'),
    regionDoc('440300', 'https://sz.example.cn/'),
    regionDoc('110000', 'http://bj:8083'),
  ],
});
const clone = (s: SignedNationalList): any => JSON.parse(JSON.stringify(s));
const fails = (signed: unknown, key = hub.publicKey): string => {
  const res = verifyNationalList(signed, key);
  assert.equal(res.ok, false);
  assert.ok(!res.ok);
  return res.reason;
};

describe('national trust list', () => {
  test('sign → verify, with the kid as a Buffer or a string, also after a JSON round trip with keys reordered', () => {
    const signed = signNationalList(doc(), hubKey);
    assert.equal(signed.signature.alg, 'ES256');
    assert.equal(signed.signature.kid, hubKey.kid.toString('base64'));
    assert.equal(Buffer.from(signed.signature.value, 'base64').length, 64);
    const res = verifyNationalList(clone(signed), hub.publicKey);
    assert.ok(res.ok);
    assert.deepEqual(res.list, signed.list);
    const copy = clone(signed);
    copy.list = Object.fromEntries(Object.entries(copy.list).reverse());
    copy.list.regions = copy.list.regions.map((r: RegionDoc) => Object.fromEntries(Object.entries(r).reverse()));
    assert.ok(verifyNationalList(copy, hub.publicKey).ok);
    assert.ok(
      verifyNationalList(
        signNationalList(doc(), { kid: hubKey.kid.toString('base64'), privateKey: hub.privateKey }),
        hub.publicKey,
      ).ok,
    );
    assert.ok(verifyNationalList(signNationalList({ ...doc(), entries: [], regions: [] }, hubKey), hub.publicKey).ok);
  });

  test('tampering fails: a revived key, a region moved, a version changed, an entry dropped, a flipped bit', () => {
    const signed = signNationalList(doc(), hubKey);
    const revived = clone(signed);
    revived.list.entries[1].status = 'active';
    fails(revived);
    const moved = clone(signed);
    moved.list.regions[0].url = 'http://evil:8081';
    fails(moved);
    const older = clone(signed);
    older.list.version = 2;
    fails(older);
    const shorter = clone(signed);
    shorter.list.entries.pop();
    fails(shorter);
    const flipped = clone(signed);
    const sig = Buffer.from(flipped.signature.value, 'base64');
    sig[0]! ^= 1;
    flipped.signature.value = sig.toString('base64');
    fails(flipped);
  });

  test('a wrong hub key fails; a kid that is not the hub key fails', () => {
    const signed = signNationalList(doc(), hubKey);
    assert.match(fails(signed, p256().publicKey), /kid/);
    const other = p256();
    const forged = signNationalList(doc(), codeKeyFrom(other.privateKey));
    assert.match(fails({ ...forged, signature: { ...forged.signature, kid: signed.signature.kid } }), /verify/);
  });

  test('strict shape: every malformed input is refused, never thrown', () => {
    const signed = clone(signNationalList(doc(), hubKey));
    const list = (over: Record<string, unknown>) => ({ ...signed, list: { ...signed.list, ...over } });
    for (const bad of [
      null,
      'x',
      [],
      { list: signed.list },
      { ...signed, extra: 1 },
      { ...signed, signature: { ...signed.signature, alg: 'RS256' } },
      { ...signed, signature: { ...signed.signature, extra: 1 } },
      { ...signed, signature: { ...signed.signature, value: 'abc' } },
      list({ extra: 1 }),
      list({ version: -1 }),
      list({ version: '3' }),
      list({ issuedAt: 'today' }),
      list({ issuer: 1 }),
      list({ entries: {} }),
      list({ regions: null }),
      list({ regions: undefined }),
    ]) {
      assert.doesNotThrow(() => verifyNationalList(bad, hub.publicKey));
      fails(bad);
    }
    assert.ok(verifyNationalList(signed, hub.publicKey).ok);
  });

  test('the hub refuses to sign a malformed list; a verifier would refuse it too', () => {
    const bad: [string, (d: NationalListDoc) => void][] = [
      ['entry extra key', (d) => Object.assign(d.entries[0]!, { extra: 1 })],
      ['entry kid not its key', (d) => (d.entries[0]!.kid = d.entries[1]!.kid)],
      ['entry repeated', (d) => d.entries.push({ ...d.entries[0]! })],
      ['entry bad status', (d) => (d.entries[0]!.status = 'lost' as TrustListEntryDoc['status'])],
      ['entry bad region', (d) => (d.entries[0]!.region = '44')],
      ['entry bad time', (d) => (d.entries[0]!.validTo = 'soon')],
      ['region extra key', (d) => Object.assign(d.regions[0]!, { extra: 1 })],
      ['region bad code', (d) => (d.regions[0]!.region = '4400')],
      ['region repeated', (d) => d.regions.push({ ...d.regions[0]! })],
      ['region url not http', (d) => (d.regions[0]!.url = 'ftp://gd')],
      ['region url not a URL', (d) => (d.regions[0]!.url = 'gd:8081 x')],
      ['region kid not its key', (d) => (d.regions[0]!.kid = d.regions[1]!.kid)],
      ['region key not base64', (d) => (d.regions[0]!.publicKey = '***')],
      [
        'region key not P-256',
        (d) =>
          (d.regions[0]!.publicKey = generateKeyPairSync('ed25519')
            .publicKey.export({ format: 'der', type: 'spki' })
            .toString('base64')),
      ],
      ['region key garbage', (d) => (d.regions[0]!.publicKey = Buffer.from('nope').toString('base64'))],
    ];
    for (const [name, spoil] of bad) {
      const d = doc();
      spoil(d);
      assert.throws(() => signNationalList(d, hubKey), TypeError, name);
      // forge a correctly signed but malformed list: still refused
      const forged = signNationalList(doc(), hubKey);
      assert.ok(!verifyNationalList({ ...forged, list: d }, hub.publicKey).ok, name);
    }
    assert.throws(() => signNationalList(doc(), { kid: 'AAAAAAAAAAA=', privateKey: hub.privateKey }), /kid/);
  });
});

describe('mergeEntries', () => {
  test('keeps the entries each region covers, in order', () => {
    const gd = [entry('440000'), entry('440100'), entry('440305'), entry('450100'), entry('110000')];
    const sz = [entry('440300'), entry('440305'), entry('440100')];
    const bj = [entry('110101'), entry('120000')];
    const merged = mergeEntries(
      [
        { region: '440000', entries: gd },
        { region: '440300', entries: sz },
        { region: '110000', entries: bj },
      ],
      new Set(),
    );
    assert.deepEqual(merged, [gd[0], gd[1], gd[2], sz[0], sz[1], bj[0]]);
  });

  test('hub revocations force status revoked without touching the input', () => {
    const e = [entry('440100'), entry('440300', 'retired')];
    const merged = mergeEntries([{ region: '440000', entries: e }], new Set([e[1]!.kid, 'unrelated']));
    assert.deepEqual(
      merged.map((m) => m.status),
      ['active', 'revoked'],
    );
    assert.equal(e[1]!.status, 'retired');
    assert.notEqual(merged[0], e[0]);
  });

  test('a duplicated kid keeps the first (across and within regions); the revocation still applies', () => {
    const a = entry('440300');
    const b = { ...a, region: '440305', status: 'retired' as const };
    const merged = mergeEntries(
      [
        { region: '440000', entries: [a, a] },
        { region: '440300', entries: [b] },
      ],
      new Set(),
    );
    assert.deepEqual(merged, [a]);
    const revoked = mergeEntries([{ region: '440300', entries: [a, b] }], new Set([a.kid]));
    assert.deepEqual(revoked, [{ ...a, status: 'revoked' }]);
    // an entry the first region does not cover does not take the kid
    assert.deepEqual(
      mergeEntries(
        [
          { region: '110000', entries: [a] },
          { region: '440300', entries: [b] },
        ],
        new Set(),
      ),
      [b],
    );
  });
});

describe('covers', () => {
  test('itself, its province, its city; nothing else', () => {
    assert.ok(covers('440305', '440305'));
    assert.ok(covers('440300', '440305'));
    assert.ok(covers('440000', '440305'));
    assert.ok(covers('440000', '440300'));
    assert.ok(covers('440000', '440000'));
    assert.ok(covers('110000', '110101'));
    assert.equal(covers('440300', '440100'), false);
    assert.equal(covers('440305', '440300'), false);
    assert.equal(covers('440300', '440000'), false);
    assert.equal(covers('450000', '440305'), false);
    assert.equal(covers('100000', '110101'), false);
    assert.equal(covers('44', '440305'), false);
    assert.equal(covers('440000', '4403'), false);
  });
});

describe('homeRegionOf', () => {
  const regions = ['440000', '440300', '110000'];
  test('the longest shared prefix: province, city, county', () => {
    assert.equal(homeRegionOf('44030519900307123X', regions), '440300');
    assert.equal(homeRegionOf('440300199003071234', regions), '440300');
    assert.equal(homeRegionOf('440106199003071234', regions), '440000');
    assert.equal(homeRegionOf('445102199003071234', regions), '440000');
    assert.equal(homeRegionOf('110101199003070011', regions), '110000');
    assert.equal(homeRegionOf('310101199003070011', regions), undefined);
    assert.equal(homeRegionOf('440305199003071234', ['440000', '440300', '440305']), '440305');
  });

  test('does not depend on the order of the regions; ties go to the covering region, else the smallest code', () => {
    assert.equal(homeRegionOf('440106199003071234', ['440300', '110000', '440000']), '440000');
    assert.equal(homeRegionOf('440305199003071234', ['440306', '440300']), '440300');
    assert.equal(homeRegionOf('440106199003071234', ['440400', '440300']), '440300');
    assert.equal(homeRegionOf('440106199003071234', ['440300', '440400']), '440300');
  });

  test('a bad ID number or no regions gives undefined; bad region codes are ignored', () => {
    assert.equal(homeRegionOf('', regions), undefined);
    assert.equal(homeRegionOf('4403', regions), undefined);
    assert.equal(homeRegionOf('X40305199003071234', regions), undefined);
    assert.equal(homeRegionOf('44030519900307123X', []), undefined);
    assert.equal(homeRegionOf('44030519900307123X', ['44', '4403xx', '440000']), '440000');
  });
});
