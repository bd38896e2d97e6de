import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import type { RunningPlatform } from '../node/platform.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { verifyLedger } from './verify.js';
import { Ledger } from './ledger.js';
import { headBytes } from './heads.js';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';

const hex = (s: string) => Buffer.from(s, 'hex');

describeEachEngine('audit ledger', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: { id: string; token: string };

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
  });
  after(async () => server.close());

  test('free text quoting an ID or mobile number is redacted before it reaches the ledger, for every writer', async () => {
    const seq = await platform.audit.append({
      action: 'corrections.rejected',
      outcome: 'ok',
      actor: { kind: 'department', department: admin.id, token: 't' },
      reason: 'station verified for 44011720040925357X (张三, 13800138000)',
      detail: { correction: 'cor_1', venue: ['445321198301200948', { phone: '13912345678' }], at: 1796301043668 },
    });
    await platform.ledger.flush();
    const row = await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries WHERE seq = $1', [seq]);
    const text = row.rows[0]!.entry;
    for (const personal of ['44011720040925357X', '13800138000', '445321198301200948', '13912345678'])
      assert.ok(!text.includes(personal), `${personal} is not in the entry`);
    const e = JSON.parse(text);
    assert.equal(e.reason, 'station verified for [redacted] (张三, [redacted])');
    assert.deepEqual(e.detail, {
      correction: 'cor_1',
      venue: ['[redacted]', { phone: '[redacted]' }],
      at: 1796301043668,
    });
  });

  test('concurrent appends get consecutive sequence numbers and are all durable', async () => {
    const base = (await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_entries')).rows[0]!.n;
    const seqs = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        platform.audit.append({
          action: 'audit.verify',
          outcome: 'ok',
          actor: { kind: 'system', reason: 'test' },
          detail: { i },
        }),
      ),
    );
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, i) => base + i),
    );
    const n = (await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_entries')).rows[0]!.n;
    assert.equal(n, base + 500);
  });

  test('two appenders on one database (two API processes) interleave without losing or duplicating entries', async () => {
    const a = new Ledger(platform.db);
    const b = new Ledger(platform.db);
    const entry = (who: string, i: number) => ({
      action: 'audit.verify' as const,
      outcome: 'ok' as const,
      actor: { kind: 'system' as const, reason: who },
      detail: { i },
    });
    const seqs: number[] = [];
    for (let round = 0; round < 5; round++) {
      seqs.push(
        ...(await Promise.all([
          ...Array.from({ length: 20 }, (_, i) => a.append(entry('a', i))),
          ...Array.from({ length: 20 }, (_, i) => b.append(entry('b', i))),
        ])),
      );
    }
    assert.equal(new Set(seqs).size, 200);
    const report = await verifyLedger(platform.db);
    assert.equal(report.ok, true, report.problems.join('; '));
  });

  test('signed tree heads, inclusion proofs and consistency proofs verify independently', async () => {
    const api = client(server.url, admin.token);
    const h1 = (await api('POST', '/api/v1/audit/tree-heads')).body;
    await Promise.all(
      Array.from({ length: 37 }, () =>
        platform.audit.append({ action: 'audit.verify', outcome: 'ok', actor: { kind: 'system', reason: 'test' } }),
      ),
    );
    const h2 = (await api('POST', '/api/v1/audit/tree-heads')).body;
    assert.equal(h2.treeSize, h1.treeSize + 37);
    // The head's signature, checked with the public key alone (ES256, P1363).
    const keys = await platform.db.query<{ public_key: string }>(`SELECT public_key FROM node_keys WHERE kid = $1`, [
      h2.kid,
    ]);
    const pub = createPublicKey({ key: Buffer.from(keys.rows[0]!.public_key, 'base64'), format: 'der', type: 'spki' });
    assert.ok(
      cryptoVerify(
        'sha256',
        headBytes(h2),
        { key: pub, dsaEncoding: 'ieee-p1363' },
        Buffer.from(h2.signature, 'base64'),
      ),
    );
    const latest = await client(server.url)('GET', '/api/v1/audit/tree-head');
    assert.equal(latest.body.treeSize, h2.treeSize);
    for (const seq of [0, Math.floor(h1.treeSize / 2), h1.treeSize, h2.treeSize - 1]) {
      const e = (await api('GET', `/api/v1/audit/entries/${seq}`)).body;
      assert.equal(e.seq, seq);
      assert.equal(leafHash(Buffer.from(e.entry, 'utf8')).toString('hex'), e.leafHash);
      assert.ok(
        verifyInclusion(seq, e.treeHead.treeSize, hex(e.leafHash), e.proof.map(hex), hex(e.treeHead.root)),
        `inclusion of ${seq}`,
      );
      assert.ok(!verifyInclusion(seq, e.treeHead.treeSize, hex(e.leafHash), e.proof.map(hex), hex(h1.root)));
    }
    const c = (await client(server.url)('GET', `/api/v1/audit/consistency?from=${h1.treeSize}&to=${h2.treeSize}`)).body;
    assert.ok(verifyConsistency(h1.treeSize, h2.treeSize, hex(h1.root), hex(h2.root), c.proof.map(hex)));
    assert.equal(
      (await client(server.url)('GET', `/api/v1/audit/consistency?from=5&to=${h2.treeSize + 100}`)).status,
      400,
    );
  });

  test('entries are visible to administrators and to the departments concerned, not to others', async () => {
    const other = await makeDepartment(platform.db);
    assert.equal((await client(server.url, other.token)('GET', '/api/v1/audit/entries/0')).status, 404);
    assert.equal((await client(server.url)('GET', '/api/v1/audit/entries/0')).status, 401);
  });

  test('out-of-range, non-finite, fractional and negative sequence numbers are a 400, never a 500', async () => {
    const api = client(server.url, admin.token);
    for (const seq of [
      '99999999999999999999',
      '1e308',
      'Infinity',
      '-Infinity',
      'NaN',
      '-1',
      '1.5',
      '9007199254740992',
    ]) {
      const r = await api('GET', `/api/v1/audit/entries/${seq}`);
      assert.equal(r.status, 400, `${seq}: ${JSON.stringify(r.body)}`);
      assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    }
    assert.equal((await api('GET', '/api/v1/audit/entries/9007199254740991')).status, 404);
    for (const q of ['from=1&to=99999999999999999999', 'from=1e308&to=2', 'from=-1&to=2', 'from=1&to=Infinity']) {
      const r = await client(server.url)('GET', `/api/v1/audit/consistency?${q}`);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
    }
  });

  test('audit verify recomputes the tree and names the first entry changed behind the application’s back', async () => {
    const api = client(server.url, admin.token);
    await api('POST', '/api/v1/audit/tree-heads');
    const clean = await api('POST', '/api/v1/audit/verify');
    assert.equal(clean.body.ok, true, JSON.stringify(clean.body));
    assert.ok(clean.body.headsChecked >= 2);
    // Someone edits entry 7 directly in the database.
    await platform.db.query(
      `UPDATE audit_entries SET entry = replace(entry, '"outcome":"ok"', '"outcome":"denied"') WHERE seq = 7`,
    );
    const tampered = await verifyLedger(platform.db);
    assert.equal(tampered.ok, false);
    assert.equal(tampered.firstBadEntry, 7);
    assert.match(tampered.problems.join('\n'), /entry 7/);
    // A smarter edit also rewrites the stored leaf hash: the signed heads still catch it.
    const row = (await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries WHERE seq = 7')).rows[0]!;
    const h = leafHash(Buffer.from(row.entry, 'utf8')).toString('hex');
    await platform.db.query('UPDATE audit_nodes SET hash = $1 WHERE level = 0 AND idx = 7', [h]);
    const smarter = await verifyLedger(platform.db);
    assert.equal(smarter.ok, false);
    assert.match(smarter.problems.join('\n'), /tree head \d+: the entries stored today give another root/);
  });
});
