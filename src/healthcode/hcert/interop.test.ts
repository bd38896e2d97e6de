// Interoperability with a decoder and an encoder written here from the RFCs alone (no cbor-x, no base45 package):
// RFC 8949 (CBOR), RFC 9285 (base45), RFC 9052 (COSE_Sign1), RFC 8392 (CWT), zlib from node:zlib.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { codeKeyFrom, issueCode, trustListEntry, trustLookup, verifyCode } from './index.js';

// ---- CBOR (RFC 8949): unsigned/negative ints, byte/text strings, arrays, maps, tags; definite lengths only ----
type Cbor = number | Uint8Array | string | Cbor[] | Map<Cbor, Cbor> | Tagged;
class Tagged {
  constructor(
    readonly tag: number,
    readonly value: Cbor,
  ) {}
}

function decodeCbor(bytes: Uint8Array): Cbor {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new Error('CBOR: truncated');
  };
  const argument = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error(`CBOR: additional info ${info} not supported`);
    need(size);
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + bytes[pos++]!;
    if (!Number.isSafeInteger(v)) throw new Error('CBOR: integer too large');
    return v;
  };
  const item = (): Cbor => {
    need(1);
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const n = argument(initial & 0x1f);
    switch (major) {
      case 0:
        return n;
      case 1:
        return -1 - n;
      case 2:
        need(n);
        return bytes.slice(pos, (pos += n));
      case 3:
        need(n);
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes.slice(pos, (pos += n)));
      case 4:
        return Array.from({ length: n }, item);
      case 5: {
        const m = new Map<Cbor, Cbor>();
        for (let i = 0; i < n; i++) {
          const k = item();
          m.set(k, item());
        }
        return m;
      }
      case 6:
        return new Tagged(n, item());
      default:
        throw new Error(`CBOR: major type ${major} not supported`);
    }
  };
  const v = item();
  if (pos !== bytes.length) throw new Error('CBOR: trailing bytes');
  return v;
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

function encodeCbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(encodeCbor)]);
  if (v instanceof Map)
    return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [encodeCbor(k), encodeCbor(x)])]);
  return Buffer.concat([head(6, v.tag), encodeCbor(v.value)]);
}

// ---- base45 (RFC 9285 §4) ----
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function fromBase45(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 3) {
    const chunk = [...s.slice(i, i + 3)].map((ch) => {
      const v = B45.indexOf(ch);
      if (v < 0) throw new Error('base45: bad character');
      return v;
    });
    if (chunk.length === 1) throw new Error('base45: dangling character');
    const n = chunk.reduce((acc, v, k) => acc + v * 45 ** k, 0);
    if (chunk.length === 3) {
      if (n > 0xffff) throw new Error('base45: triple too large');
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw new Error('base45: pair too large');
      out.push(n);
    }
  }
  return Buffer.from(out);
}

function toBase45(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) {
    let n = i + 1 < bytes.length ? bytes[i]! * 256 + bytes[i + 1]! : bytes[i]!;
    const digits = i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < digits; k++, n = Math.floor(n / 45)) s += B45[n % 45];
  }
  return s;
}

// ---- COSE_Sign1 (RFC 9052 §4.2, §4.4) ----
const toSign = (prot: Uint8Array, payload: Uint8Array) => encodeCbor(['Signature1', prot, new Uint8Array(0), payload]);

function decodeCode(text: string, publicKey: KeyObject) {
  assert.ok(text.startsWith('GSHC1:'));
  const top = decodeCbor(inflateSync(fromBase45(text.slice('GSHC1:'.length))));
  assert.ok(top instanceof Tagged && top.tag === 18, 'tag 18');
  const parts = top.value;
  assert.ok(Array.isArray(parts) && parts.length === 4);
  const [prot, unprot, payload, signature] = parts as [Uint8Array, Map<Cbor, Cbor>, Uint8Array, Uint8Array];
  assert.ok(unprot instanceof Map && unprot.size === 0);
  const header = decodeCbor(prot) as Map<Cbor, Cbor>;
  assert.equal(header.get(1), -7);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  assert.deepEqual(Buffer.from(header.get(4) as Uint8Array), createHash('sha256').update(spki).digest().subarray(0, 8));
  assert.equal(signature.length, 64);
  const ok = verify('sha256', toSign(prot, payload), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  return { ok, claims: decodeCbor(payload) as Map<Cbor, Cbor> };
}

const NOW = Date.parse('2022-05-01T08:00:00Z');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = codeKeyFrom(privateKey);
const trust = trustLookup({
  version: 1,
  issuedAt: new Date(NOW).toISOString(),
  issuer: '440000',
  entries: [
    trustListEntry(publicKey, {
      region: '440100',
      validFrom: NOW - 3_600_000,
      validTo: NOW + 3_600_000,
      status: 'active',
    }),
  ],
});

describe('interop with an independent RFC decoder/encoder', () => {
  test('the base45 written here matches the RFC 9285 examples', () => {
    assert.equal(toBase45(Buffer.from('Hello!!')), '%69 VD92EX0');
    assert.equal(fromBase45('QED8WEX0').toString(), 'ietf!');
  });

  test('codes from issueCode decode and verify independently', () => {
    for (const colour of ['green', 'yellow', 'red'] as const) {
      const { text, claims } = issueCode(
        { iss: '440100', sub: 'p-7Qx3', colour, ruleSet: 'GD-HC', ruleVersion: 'v12', now: NOW },
        key,
      );
      const { ok, claims: m } = decodeCode(text, publicKey);
      assert.ok(ok, 'ES256 signature over the hand-built Sig_structure');
      assert.deepEqual([...m.keys()], [1, 2, 4, 6, 7, -260]);
      assert.equal(m.get(1), claims.iss);
      assert.equal(m.get(2), claims.sub);
      assert.equal(m.get(4), claims.exp);
      assert.equal(m.get(6), claims.iat);
      assert.equal(Buffer.from(m.get(7) as Uint8Array).toString('hex'), claims.cti);
      const inner = (m.get(-260) as Map<Cbor, Cbor>).get(1) as Map<Cbor, Cbor>;
      assert.deepEqual(
        inner,
        new Map<Cbor, Cbor>([
          ['c', colour],
          ['rs', 'GD-HC'],
          ['rv', 'v12'],
          ['ts', claims.statusTime],
        ]),
      );
    }
  });

  const handMade = (opts: { tagged: boolean; extraClaim?: boolean }) => {
    const iat = NOW / 1000;
    const cti = randomBytes(16);
    const claims = new Map<Cbor, Cbor>([
      [
        -260,
        new Map<Cbor, Cbor>([
          [
            1,
            new Map<Cbor, Cbor>([
              ['ts', iat - 60],
              ['c', 'red'],
              ['rv', '3'],
              ['rs', 'GD-HC'],
            ]),
          ],
        ]),
      ],
      [6, iat],
      [4, iat + 600],
      [1, '440100'],
      [2, 'anon-42'],
      [7, cti],
    ]);
    if (opts.extraClaim) claims.set(5, iat); // nbf: not one of ours, ignored
    const prot = encodeCbor(
      new Map<Cbor, Cbor>([
        [4, key.kid],
        [1, -7],
      ]),
    );
    const payload = encodeCbor(claims);
    const signature = sign('sha256', toSign(prot, payload), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const body: Cbor = [prot, new Map(), payload, signature];
    const cose = encodeCbor(opts.tagged ? new Tagged(18, body) : body);
    return { text: 'GSHC1:' + toBase45(deflateSync(cose)), cti };
  };

  test('a code built by hand verifies with verifyCode (tagged, untagged, extra claim, other key order)', () => {
    for (const opts of [{ tagged: true }, { tagged: false }, { tagged: true, extraClaim: true }]) {
      const { text, cti } = handMade(opts);
      const r = verifyCode(text, trust, NOW + 1000);
      assert.equal(r.reason, 'ok', r.valid ? '' : r.detail);
      assert.deepEqual(r.claims, {
        iss: '440100',
        sub: 'anon-42',
        iat: NOW / 1000,
        exp: NOW / 1000 + 600,
        cti: cti.toString('hex'),
        colour: 'red',
        ruleSet: 'GD-HC',
        ruleVersion: '3',
        statusTime: NOW / 1000 - 60,
      });
    }
  });

  test('and the independent decoder accepts the hand-built code too', () => {
    assert.ok(decodeCode(handMade({ tagged: true }).text, publicKey).ok);
  });
});
