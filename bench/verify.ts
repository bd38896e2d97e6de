// verify_per_s / verify_vs_raw: offline verification of health codes (prefix, base45, inflate, CBOR, COSE and the
// ES256 check, in-process) against bare crypto.verify on exactly the same signed bytes, same run.
import { generateKeyPairSync, verify } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import type { Tag } from 'cbor-x';
import { codeKeyFrom, issueCode, trustListEntry, trustLookup, verifyCode } from '../src/healthcode/hcert/index.js';
import { base45Decode } from '../src/healthcode/hcert/base45.js';
import { cborDecoder, sigStructure } from '../src/healthcode/hcert/cose.js';

export function benchVerify(n = 4000): { verify: number; raw: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = codeKeyFrom(privateKey);
  const now = Date.now();
  const lookup = trustLookup({
    version: 1,
    issuedAt: new Date(now).toISOString(),
    issuer: '440000',
    entries: [
      trustListEntry(publicKey, {
        region: '440100',
        validFrom: now - 86_400_000,
        validTo: now + 86_400_000,
        status: 'active',
      }),
    ],
  });
  const codes = Array.from(
    { length: n },
    (_, i) =>
      issueCode(
        {
          iss: '440100',
          sub: `p-${i.toString(36)}-x7Kq2`,
          colour: 'green',
          ruleSet: 'GD-HEALTHCODE',
          ruleVersion: '1.0.0',
          now,
        },
        key,
      ).text,
  );
  const raw = codes.map((t) => {
    const tag = cborDecoder.decode(inflateSync(base45Decode(t, 6)!)) as Tag;
    const [p, , pl, s] = tag.value as Buffer[];
    return { data: sigStructure(p!, pl!), sig: s! };
  });
  const bare = () =>
    raw.reduce(
      (ok, r) => ok + (verify('sha256', r.data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, r.sig) ? 1 : 0),
      0,
    );
  const full = () => codes.reduce((ok, c) => ok + (verifyCode(c, lookup, now).valid ? 1 : 0), 0);
  const rate = (f: () => number) => {
    const t0 = process.hrtime.bigint();
    if (f() !== n) throw new Error('not every code verified');
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  rate(bare);
  rate(full);
  // Alternate the two, median of five each: these machines are noisy.
  const rb: number[] = [];
  const rf: number[] = [];
  for (let i = 0; i < 5; i++) {
    rb.push(rate(bare));
    rf.push(rate(full));
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  return { verify: median(rf), raw: median(rb) };
}
