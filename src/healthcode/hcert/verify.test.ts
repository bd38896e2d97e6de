import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { Encoder, Tag } from 'cbor-x';
import { base45Decode, base45Encode } from './base45.js';
import { sigStructure } from './cose.js';
import {
  CODE_PREFIX,
  codeKeyFrom,
  issueCode,
  trustListEntry,
  trustLookup,
  verifyCode,
  type CodeKey,
  type FailureReason,
  type IssueInput,
  type KeyStatus,
} from './index.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2022-05-01T08:00:00Z');
const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...codeKeyFrom(privateKey), publicKey };
};
const good = newKey();
const revoked = newKey();
const later = newKey();
const stranger = newKey();
const entry = (k: typeof good, status: KeyStatus, validFrom = NOW - 24 * HOUR, validTo = NOW + 24 * HOUR) =>
  trustListEntry(k.publicKey, { region: '440100', validFrom, validTo, status });
const trust = trustLookup({
  version: 3,
  issuedAt: new Date(NOW).toISOString(),
  issuer: '440000',
  entries: [entry(good, 'active'), entry(revoked, 'revoked'), entry(later, 'active', NOW + HOUR, NOW + 48 * HOUR)],
});
const input: IssueInput = {
  iss: '440100',
  sub: 'p7Qx-3kd9',
  colour: 'green',
  ruleSet: 'GD-HC',
  ruleVersion: '2022.04.30',
  now: NOW,
};
const issue = (k: CodeKey = good, over: Partial<IssueInput> = {}) => issueCode({ ...input, ...over }, k).text;

const enc = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const pack = (bytes: Uint8Array) => CODE_PREFIX + base45Encode(deflateSync(bytes));
const unpack = (text: string) => inflateSync(base45Decode(text, CODE_PREFIX.length)!);

/** A COSE_Sign1 over an arbitrary payload, correctly signed. */
function seal(
  payload: Map<number, unknown>,
  k: CodeKey = good,
  header = new Map<number, unknown>([
    [1, -7],
    [4, k.kid],
  ]),
): string {
  const prot = Buffer.from(enc.encode(header));
  const body = Buffer.from(enc.encode(payload));
  const sig = sign('sha256', sigStructure(prot, body), { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
  return pack(enc.encode(new Tag([prot, new Map(), body, sig], 18)));
}
const claims = (over: [number, unknown][] = []) =>
  new Map<number, unknown>([
    [1, '440100'],
    [2, 'p7Qx-3kd9'],
    [4, NOW / 1000 + 300],
    [6, NOW / 1000],
    [7, randomBytes(16)],
    [
      -260,
      new Map([
        [
          1,
          new Map<string, unknown>([
            ['c', 'green'],
            ['rs', 'GD-HC'],
            ['rv', '1'],
            ['ts', NOW / 1000],
          ]),
        ],
      ]),
    ],
    ...over,
  ]);

const reasonOf = (text: string, now = NOW) => verifyCode(text, trust, now).reason;
const expectReason = (reason: FailureReason, text: string, now = NOW) => {
  const r = verifyCode(text, trust, now);
  assert.equal(r.valid, false);
  assert.equal(r.reason, reason, r.valid ? '' : r.detail);
  return r;
};

describe('verifyCode failure reasons', () => {
  test('sanity: the crafted-code helper itself verifies', () => {
    assert.equal(reasonOf(seal(claims())), 'ok');
    assert.equal(reasonOf(issue()), 'ok');
  });

  test('wrong_prefix', () => {
    const text = issue();
    expectReason('wrong_prefix', 'HC1:' + text.slice(CODE_PREFIX.length));
    expectReason('wrong_prefix', text.toLowerCase());
    expectReason('wrong_prefix', '');
  });

  test('bad_base45', () => {
    const text = issue();
    expectReason('bad_base45', text.slice(0, 20) + 'a' + text.slice(21));
    expectReason('bad_base45', text.slice(0, 20) + '#' + text.slice(21));
    expectReason('bad_base45', CODE_PREFIX + 'GGW'); // 65536
    expectReason('bad_base45', CODE_PREFIX + 'BB8A'); // a dangling character (length mod 3 = 1)
  });

  test('bad_compression: garbage that does not inflate, a truncated stream, a zip bomb', () => {
    expectReason(
      'bad_compression',
      CODE_PREFIX + base45Encode(Buffer.concat([Buffer.from([0x00, 0x01]), randomBytes(40)])),
    );
    const deflated = deflateSync(unpack(issue()));
    expectReason('bad_compression', CODE_PREFIX + base45Encode(deflated.subarray(0, deflated.length - 10)));
    const r = expectReason('bad_compression', pack(Buffer.alloc(1_000_000)));
    assert.match(r.valid ? '' : r.detail, /inflate/);
  });

  test('malformed: inflated bytes that are not CBOR; trailing bytes; a non-string', () => {
    expectReason('malformed', pack(Buffer.from([0x1c])));
    expectReason('malformed', pack(Buffer.from('hello world')));
    expectReason('malformed', pack(Buffer.concat([unpack(issue()), Buffer.from([0])])));
    expectReason('malformed', 42 as unknown as string);
  });

  test('not_cose: CBOR that is not a COSE_Sign1', () => {
    expectReason('not_cose', pack(enc.encode([1, 2, 3])));
    expectReason('not_cose', pack(enc.encode(new Map([[1, 2]]))));
    const [p, u, b, s] = enc.decode(unpack(issue())).value as unknown[];
    expectReason('not_cose', pack(enc.encode(new Tag([p, u, b, s], 17)))); // COSE_Mac0's tag
    expectReason('not_cose', pack(enc.encode(new Tag([p, u, 'payload', s], 18))));
    expectReason(
      'not_cose',
      seal(
        claims(),
        good,
        new Map<number, unknown>([
          [1, -35],
          [4, good.kid],
        ]),
      ),
    ); // ES384
    expectReason('not_cose', seal(claims(), good, new Map<number, unknown>([[1, -7]]))); // no kid
    expectReason(
      'not_cose',
      seal(
        claims(),
        good,
        new Map<number, unknown>([
          [1, -7],
          [2, [99]],
          [4, good.kid],
        ]),
      ),
    ); // crit
  });

  test('a bare (untagged) COSE_Sign1 array is accepted', () => {
    const [p, u, b, s] = enc.decode(unpack(issue())).value as unknown[];
    assert.equal(reasonOf(pack(enc.encode([p, u, b, s]))), 'ok');
  });

  test('unknown_kid; a throwing lookup is unknown_kid too', () => {
    const r = expectReason('unknown_kid', issue(stranger));
    assert.equal(r.kid, stranger.kid.toString('base64'));
    const boom = verifyCode(issue(), () => {
      throw new Error('db down');
    });
    assert.equal(boom.reason, 'unknown_kid');
  });

  test('bad_signature: a flipped signature byte, a payload byte, another key under a trusted kid', () => {
    const cose = unpack(issue());
    const flipped = Buffer.from(cose);
    flipped[flipped.length - 1]! ^= 0x01;
    expectReason('bad_signature', pack(flipped));
    const claimsAt = cose.indexOf(Buffer.from('p7Qx-3kd9'));
    const edited = Buffer.from(cose);
    edited[claimsAt] = 'q'.charCodeAt(0);
    expectReason('bad_signature', pack(edited));
    expectReason('bad_signature', issue({ kid: good.kid, privateKey: stranger.privateKey }));
  });

  test('key_revoked, checked before the signature', () => {
    expectReason('key_revoked', issue(revoked));
    expectReason('key_revoked', issue({ kid: revoked.kid, privateKey: stranger.privateKey }));
  });

  test('malformed claims after a good signature', () => {
    expectReason('malformed', seal(claims([[1, 440100]])));
    expectReason('malformed', seal(claims([[6, 'yesterday']])));
    expectReason('malformed', seal(claims([[4, NOW / 1000 - 1]]))); // exp before iat
    expectReason('malformed', seal(claims([[7, randomBytes(4)]])));
    expectReason('malformed', seal(claims([[-260, new Map([[1, new Map([['c', 'blue']])]])]])));
    expectReason('malformed', seal(claims([[-260, { 1: { c: 'green' } }]])));
  });

  test('issuer_mismatch: iss is not the key region', () => {
    const r = expectReason('issuer_mismatch', issue(good, { iss: '440300' }));
    assert.equal(r.region, '440100');
    assert.equal(r.claims?.iss, '440300');
  });

  test('key_not_valid_at_issue: iat before validFrom / after validTo', () => {
    expectReason('key_not_valid_at_issue', issue(later), NOW);
    expectReason('key_not_valid_at_issue', issue(good, { now: NOW + 25 * HOUR }), NOW + 25 * HOUR);
    assert.equal(reasonOf(issue(later, { now: NOW + 2 * HOUR }), NOW + 2 * HOUR), 'ok');
  });

  test('not_yet_valid: iat more than 60 s ahead; within the skew is fine', () => {
    expectReason('not_yet_valid', issue(good, { now: NOW + 61_000 }), NOW);
    assert.equal(reasonOf(issue(good, { now: NOW + 59_000 }), NOW), 'ok');
  });

  test('expired: exp <= now', () => {
    const text = issue();
    assert.equal(reasonOf(text, NOW + 299_999), 'ok');
    const r = expectReason('expired', text, NOW + 300_000);
    assert.equal(r.claims?.sub, 'p7Qx-3kd9');
    expectReason('expired', issue(good, { now: NOW - 10 * 60_000 }));
  });

  test('never throws: every truncation and random damage gives a reason', () => {
    const text = issue();
    const reasons = new Set<string>();
    for (let i = 0; i <= text.length; i++) reasons.add(reasonOf(text.slice(0, i)));
    const b45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
    for (let i = 0; i < 500; i++) {
      const at = CODE_PREFIX.length + (i % (text.length - CODE_PREFIX.length));
      reasons.add(reasonOf(text.slice(0, at) + b45[(i * 7) % 45] + text.slice(at + 1)));
    }
    const known = ['ok', 'malformed', 'wrong_prefix', 'bad_base45', 'bad_compression', 'not_cose', 'bad_signature'];
    for (const r of reasons) assert.ok(known.includes(r), r);
    assert.ok(reasons.has('ok') && reasons.has('bad_base45') && reasons.has('bad_compression'));
  });
});
