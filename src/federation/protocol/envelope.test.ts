import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { canonicalJson } from '../../core/canonical-json.js';
import { kidOf, verifyBytes } from '../../keys/signing.js';
import {
  MAX_MESSAGE_BYTES,
  MESSAGE_WINDOW_MS,
  checkMessage,
  newMessageId,
  signMessage,
  type Envelope,
  type RejectReason,
  type SignedMessage,
} from './index.js';

const nodeKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: kidOf(publicKey.export({ format: 'der', type: 'spki' })), privateKey, publicKey };
};
const gd = nodeKey(); // 440000
const sz = nodeKey(); // 440300
const keys = new Map<string, { kid: string; publicKey: KeyObject }>([
  ['440000', gd],
  ['440300', sz],
]);
const NOW = Date.parse('2022-05-01T08:00:00.000Z');
const opts = { self: '440300', now: NOW, senderKey: (r: string) => keys.get(r) };

const envelope = (over: Partial<Envelope> = {}): Envelope => ({
  id: newMessageId(),
  from: '440000',
  to: '440300',
  type: 'case',
  at: new Date(NOW).toISOString(),
  payload: {
    person: 'seal1.x.y.z',
    record: { kind: 'confirmed', reportedAt: '2022-05-01T07:00:00.000Z' },
    n: [1, 2.5, null, true],
  },
  ...over,
});
const signed = (over: Partial<Envelope> = {}, key = gd): SignedMessage => signMessage(envelope(over), key);
const clone = <T>(v: T): any => JSON.parse(JSON.stringify(v));

function rejects(input: unknown, reason: RejectReason, o: Partial<typeof opts> = {}): string {
  const res = checkMessage(input, { ...opts, ...o });
  assert.equal(res.ok, false, 'expected a rejection');
  assert.ok(!res.ok);
  assert.equal(res.reason, reason, res.detail);
  assert.ok(res.detail.length > 0);
  return res.detail;
}

describe('message ids', () => {
  test("'m_' + 16 random bytes base64url, unique", () => {
    const ids = new Set(Array.from({ length: 1000 }, newMessageId));
    assert.equal(ids.size, 1000);
    for (const id of ids) {
      assert.match(id, /^m_[A-Za-z0-9_-]{22}$/);
      assert.equal(Buffer.from(id.slice(2), 'base64url').length, 16);
    }
  });
});

describe('sign and check', () => {
  test('a signed message checks, also after a JSON round trip with keys reordered', () => {
    const msg = signed();
    assert.equal(msg.signature.kid, gd.kid);
    const sig = Buffer.from(msg.signature.value, 'base64');
    assert.equal(sig.length, 64);
    assert.ok(verifyBytes(gd.publicKey, Buffer.from(canonicalJson(msg.envelope), 'utf8'), sig));

    const res = checkMessage(clone(msg), opts);
    assert.ok(res.ok);
    assert.deepEqual(res.message, msg);

    const copy = clone(msg);
    copy.envelope = Object.fromEntries(Object.entries(copy.envelope).reverse());
    copy.envelope.payload.record = Object.fromEntries(Object.entries(copy.envelope.payload.record).reverse());
    assert.ok(checkMessage({ signature: copy.signature, envelope: copy.envelope }, opts).ok);
  });

  test('every message type; time without milliseconds; default now', () => {
    for (const type of ['case', 'contact', 'risk_area'] as const) assert.ok(checkMessage(signed({ type }), opts).ok);
    assert.ok(checkMessage(signed({ at: '2022-05-01T08:00:00Z' }), opts).ok);
    assert.ok(checkMessage(signed({ at: new Date().toISOString() }), { self: '440300', senderKey: opts.senderKey }).ok);
  });

  test('replay is not checked here: the same message checks twice', () => {
    const msg = signed();
    assert.ok(checkMessage(msg, opts).ok);
    assert.ok(checkMessage(msg, opts).ok);
  });

  test('signMessage refuses a malformed envelope, a kid not of the key, an oversized message', () => {
    assert.throws(() => signMessage(envelope({ from: '4400' }), gd), TypeError);
    assert.throws(() => signMessage({ ...envelope(), extra: 1 } as Envelope, gd), TypeError);
    assert.throws(() => signMessage(envelope(), { kid: sz.kid, privateKey: gd.privateKey }), /kid/);
    assert.throws(() => signMessage(envelope({ payload: { big: 'x'.repeat(MAX_MESSAGE_BYTES) } }), gd), /bytes/);
  });
});

describe('reject reasons', () => {
  test('tampered envelope → bad_signature', () => {
    const msg = clone(signed());
    msg.envelope.payload.record.kind = 'excluded';
    rejects(msg, 'bad_signature');
    const retyped = clone(signed());
    retyped.envelope.type = 'contact';
    rejects(retyped, 'bad_signature');
    const flipped = clone(signed());
    const sig = Buffer.from(flipped.signature.value, 'base64');
    sig[10]! ^= 1;
    flipped.signature.value = sig.toString('base64');
    rejects(flipped, 'bad_signature');
  });

  test('no signature → unsigned', () => {
    const { envelope: env } = signed();
    rejects({ envelope: env }, 'unsigned');
    rejects({ envelope: env, signature: null }, 'unsigned');
  });

  test('a region without a node key → unknown_sender; a failing lookup too', () => {
    const bj = nodeKey();
    rejects(signed({ from: '110000' }, bj), 'unknown_sender');
    const throwing = () => {
      throw new Error('db down');
    };
    assert.match(rejects(signed(), 'unknown_sender', { senderKey: throwing }), /db down/);
  });

  test('a kid that is not the sender key → bad_signature', () => {
    const msg = clone(signed());
    msg.signature.kid = sz.kid;
    assert.match(rejects(msg, 'bad_signature'), /kid/);
  });

  test("another node's key → bad_signature", () => {
    const forged = signMessage(envelope({ from: '440000', to: '440300' }), sz); // signed by 440300's key, claims 440000
    rejects({ envelope: forged.envelope, signature: { kid: gd.kid, value: forged.signature.value } }, 'bad_signature');
    rejects(forged, 'bad_signature'); // with its own kid: not the sender's
  });

  test('to ≠ self → wrong_recipient', () => {
    rejects(signed({ to: '110000' }), 'wrong_recipient');
    rejects(signed(), 'wrong_recipient', { self: '440000' });
  });

  test('at outside ±10 minutes → stale; at the edge it is accepted', () => {
    rejects(signed({ at: new Date(NOW - MESSAGE_WINDOW_MS - 1).toISOString() }), 'stale');
    rejects(signed({ at: new Date(NOW + MESSAGE_WINDOW_MS + 1).toISOString() }), 'stale');
    rejects(signed({ at: '2020-01-01T00:00:00.000Z' }), 'stale');
    assert.ok(checkMessage(signed({ at: new Date(NOW - MESSAGE_WINDOW_MS).toISOString() }), opts).ok);
    assert.ok(checkMessage(signed({ at: new Date(NOW + MESSAGE_WINDOW_MS).toISOString() }), opts).ok);
  });

  test('malformed shapes', () => {
    const good = clone(signed());
    const env = (over: Record<string, unknown>) => ({ ...good, envelope: { ...good.envelope, ...over } });
    const sig = (over: Record<string, unknown>) => ({ ...good, signature: { ...good.signature, ...over } });
    const { id: _id, ...noId } = good.envelope;
    const cases: [string, unknown][] = [
      ['null', null],
      ['a string', 'hello'],
      ['an array', [good]],
      ['a class instance', Object.assign(new (class M {})(), good)],
      ['no envelope', { signature: good.signature }],
      ['extra top-level key', { ...good, extra: 1 }],
      ['extra envelope key', env({ extra: 1 })],
      ['missing envelope key', { ...good, envelope: noId }],
      ['envelope an array', { ...good, envelope: [] }],
      ['id a number', env({ id: 42 })],
      ['id bad pattern', env({ id: 'm_short' })],
      ['id without prefix', env({ id: 'x_' + 'A'.repeat(22) })],
      ['from 5 digits', env({ from: '44000' })],
      ['from letters', env({ from: '44000a' })],
      ['to a number', env({ to: 440300 })],
      ['unknown type', env({ type: 'gossip' })],
      ['at not a time', env({ at: 'yesterday' })],
      ['at a number', env({ at: NOW })],
      ['at with an offset', env({ at: '2022-05-01T16:00:00+08:00' })],
      ['at not a real date', env({ at: '2022-02-30T00:00:00.000Z' })],
      ['payload an array', env({ payload: [] })],
      ['payload null', env({ payload: null })],
      ['payload a string', env({ payload: 'x' })],
      ['payload with a non-JSON value', env({ payload: { when: new Date(NOW) } })],
      ['payload with a non-finite number', env({ payload: { n: Number.NaN } })],
      ['huge payload', env({ payload: { big: 'x'.repeat(MAX_MESSAGE_BYTES) } })],
      ['signature a string', { ...good, signature: good.signature.value }],
      ['signature extra key', sig({ alg: 'ES256' })],
      ['signature without value', { ...good, signature: { kid: good.signature.kid } }],
      ['signature value a number', sig({ value: 1 })],
      ['signature value short', sig({ value: Buffer.alloc(63).toString('base64') })],
      ['signature value not base64', sig({ value: '!'.repeat(88) })],
      ['kid empty', sig({ kid: '' })],
      ['kid a number', sig({ kid: 7 })],
    ];
    for (const [name, input] of cases) {
      const res = checkMessage(input, opts);
      assert.equal(res.ok, false, name);
      assert.ok(!res.ok);
      assert.equal(res.reason, 'malformed', `${name}: ${res.detail}`);
    }
    rejects(good, 'malformed', { now: Number.NaN });
    assert.ok(checkMessage(good, opts).ok);
  });

  test('the size limit counts the whole canonical message', () => {
    const base = signed({ payload: { big: '' } });
    const room = MAX_MESSAGE_BYTES - Buffer.byteLength(canonicalJson(base));
    assert.ok(checkMessage(signed({ payload: { big: 'x'.repeat(room) } }), opts).ok);
    assert.throws(() => signed({ payload: { big: 'x'.repeat(room + 1) } }), TypeError);
    const over = clone(signed({ payload: { big: 'x'.repeat(room) } }));
    over.envelope.payload.big += 'é'; // 2 bytes in UTF-8
    rejects(over, 'malformed');
  });
});
