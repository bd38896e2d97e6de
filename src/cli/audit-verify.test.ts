// `govshare audit verify` against a real PGlite data directory, opened locally by the command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTreeHead } from '../audit/heads.js';
import { Ledger } from '../audit/ledger.js';
import { Keyring } from '../crypto/keyring.js';
import { openDatabase } from '../db/open.js';
import type { RunningPlatform } from '../node/platform.js';
import { describeEachEngine } from '../testing/db.js';
import { makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { memoryIo } from './io.js';
import { run } from './program.js';

let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govshare-audit-verify-'));
  const db = await openDatabase({ dataDir: dir });
  try {
    const ledger = new Ledger(db);
    for (let i = 0; i < 3; i++)
      void ledger.append({ action: 'audit.verify', outcome: 'ok', actor: { kind: 'system', reason: 't' } });
    await ledger.flush();
    await signTreeHead(db, Keyring.generate());
    await ledger.append({ action: 'audit.verify', outcome: 'ok', actor: { kind: 'system', reason: 't' } });
    await ledger.flush();
  } finally {
    await db.close();
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function verify(...args: string[]) {
  const io = memoryIo({ fetch });
  const code = await run(['audit', 'verify', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('audit verify opens the data directory itself: an intact ledger verifies (exit 0)', async () => {
  const r = await verify('--data-dir', dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    'ledger:              ok: every entry and signed tree head verifies\ntree size:           4\nentries checked:     4\ntree heads checked:  1\nfirst bad entry:     none\n',
  );
  assert.equal(r.err, '');
  const json = await verify('--data-dir', dir, '--json');
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.out), {
    ok: true,
    treeSize: 4,
    entriesChecked: 4,
    headsChecked: 1,
    firstBadEntry: null,
    problems: [],
  });
});

test('a data directory another process holds is not opened; the message points to --remote', async () => {
  const db = await openDatabase({ dataDir: dir });
  try {
    const r = await verify('--data-dir', dir);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /^govshare: the data directory .* is in use by a running govshare node/);
    assert.match(r.err, /govshare audit verify --remote/);
    // the changed row: tamper with entry 1 behind the application's back while we hold the database
    await db.query(`UPDATE audit_entries SET entry = replace(entry, 'ok', 'no') WHERE seq = 1`);
  } finally {
    await db.close();
  }
});

test('a changed entry fails verification (exit 1) and is named', async () => {
  const r = await verify('--data-dir', dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /^ledger: {14}DOES NOT VERIFY\n/);
  assert.match(r.out, /\nfirst bad entry: {5}1\n/);
  assert.match(r.out, /\nproblems:\n {2}entry 1: its content no longer matches its leaf in the tree \(changed\)\n/);
  assert.match(r.out, /tree head 3: the entries stored today give another root/);
  assert.equal(r.err, 'govshare: the audit ledger does not verify: entry 1 was changed or deleted\n');
});

test('a directory without a database is an error, not an empty ledger', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'govshare-audit-empty-'));
  try {
    const r = await verify('--data-dir', empty);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `govshare: no govshare database in ${empty}; give the node's --data-dir (or --database-url for PostgreSQL)\n`,
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe('audit verify names entries deleted from the tail', () => {
  let tail: string;
  before(async () => {
    tail = mkdtempSync(join(tmpdir(), 'govshare-audit-tail-'));
    const db = await openDatabase({ dataDir: tail });
    try {
      const ledger = new Ledger(db);
      const entry = {
        action: 'audit.verify' as const,
        outcome: 'ok' as const,
        actor: { kind: 'system' as const, reason: 't' },
      };
      for (let i = 0; i < 5; i++) await ledger.append(entry);
      await signTreeHead(db, Keyring.generate()); // covers entries 0-4
      for (let i = 0; i < 2; i++) await ledger.append(entry); // 5 and 6: no head covers them
      // The newest entry goes, and the last one the head covers: their leaf hashes stay in the tree.
      await db.query('DELETE FROM audit_entries WHERE seq IN (4, 6)');
    } finally {
      await db.close();
    }
  });
  after(() => rmSync(tail, { recursive: true, force: true }));

  test('locally: exit 1, the first missing entry named, the uncovered newest one listed too', async () => {
    const r = await verify('--data-dir', tail, '--json');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out);
    assert.equal(report.ok, false);
    assert.equal(report.treeSize, 7);
    assert.equal(report.entriesChecked, 5);
    assert.equal(report.firstBadEntry, 4);
    assert.deepEqual(report.problems, [
      'entry 4: missing (deleted): its leaf hash is still in the tree',
      'entry 6: missing (deleted): its leaf hash is still in the tree',
    ]);
    assert.equal(r.err, 'govshare: the audit ledger does not verify: entry 4 was changed or deleted\n');
  });
});

/** Deletes entry `from` and everything after it, with every trace: tree nodes, subjects rows, signed heads. */
async function truncate(db: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, from: number) {
  await db.query('DELETE FROM audit_entries WHERE seq >= $1', [from]);
  await db.query('DELETE FROM audit_nodes WHERE (idx + 1) * (1::bigint << level) > $1', [from]);
  await db.query('DELETE FROM audit_subjects WHERE seq >= $1', [from]);
  await db.query('DELETE FROM audit_tree_heads WHERE tree_size > $1', [from]);
}

describe('audit verify --head: heads a witness kept', () => {
  let dir2: string;
  let headFile: string;
  before(async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'govshare-audit-witness-'));
    const db = await openDatabase({ dataDir: dir2 });
    try {
      const ledger = new Ledger(db);
      const entry = {
        action: 'records.read' as const,
        outcome: 'ok' as const,
        actor: { kind: 'system' as const, reason: 't' },
        subjects: ['someone'],
      };
      for (let i = 0; i < 6; i++) await ledger.append(entry);
      const ring = Keyring.generate();
      await signTreeHead(db, ring);
      for (let i = 0; i < 5; i++) await ledger.append(entry);
      const witness = await signTreeHead(db, ring); // size 11: the witness fetched it and kept it
      headFile = join(dir2, 'witness-heads.json');
      writeFileSync(headFile, JSON.stringify([witness]));
      await truncate(db, 6); // entries 6-10 and every trace of them, the head of size 11 too
    } finally {
      await db.close();
    }
  });
  after(() => rmSync(dir2, { recursive: true, force: true }));

  test('a consistent truncation verifies alone; with the witness head it fails and names the first entry gone', async () => {
    const alone = await verify('--data-dir', dir2);
    assert.equal(alone.code, 0, alone.out);
    const r = await verify('--data-dir', dir2, '--head', headFile);
    assert.equal(r.code, 1);
    assert.match(r.out, /\ntree size: {11}11\n/);
    assert.match(r.out, /\nfirst bad entry: {5}6\n/);
    assert.match(r.out, /\n {2}entry 6: missing \(deleted\) with its leaf hash\n/);
    assert.match(
      r.out,
      /\n {2}witness head 11: its root cannot be recomputed: entry 6 and its leaf hash are both gone\n/,
    );
    assert.equal(r.err, 'govshare: the audit ledger does not verify: entry 6 was changed or deleted\n');
  });

  test('a file that is not a head is an error that says what a head is', async () => {
    const bad = join(dir2, 'bad.json');
    writeFileSync(bad, JSON.stringify({ treeSize: 3 }));
    const r = await verify('--data-dir', dir2, '--head', bad);
    assert.equal(r.code, 1);
    assert.match(r.err, /is not a signed tree head: need \{ treeSize, root/);
  });
});

describeEachEngine('audit verify --remote', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: { token: string };
  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
  });
  after(async () => server.close());

  test('the server verifies its own ledger and names the newest entry deleted before a head covers it', async () => {
    const remote = (...args: string[]) => verify('--remote', '--url', server.url, '--token', admin.token, ...args);
    const clean = await remote();
    assert.equal(clean.code, 0, clean.err);
    await platform.audit.append({ action: 'audit.verify', outcome: 'ok', actor: { kind: 'system', reason: 't' } });
    const last = Number((await platform.db.query<{ n: string }>('SELECT max(seq) AS n FROM audit_entries')).rows[0]!.n);
    const deleted = (
      await platform.db.query<{ entry: string }>('DELETE FROM audit_entries WHERE seq = $1 RETURNING entry', [last])
    ).rows[0];
    const r = await remote();
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`\\nfirst bad entry: {5}${last}\\n`));
    assert.match(
      r.out,
      new RegExp(`\\n {2}entry ${last}: missing \\(deleted\\): its leaf hash is still in the tree\\n`),
    );
    assert.equal(r.err, `govshare: the audit ledger does not verify: entry ${last} was changed or deleted\n`);
    await platform.db.query('INSERT INTO audit_entries (seq, entry, at) VALUES ($1, $2, now())', [
      last,
      deleted!.entry,
    ]);
  });

  test('with --head, the current head must extend the witness heads: a truncation and a fork are reported', async () => {
    const remote = (...args: string[]) => verify('--remote', '--url', server.url, '--token', admin.token, ...args);
    const ring = platform.ring;
    const earlier = await signTreeHead(platform.db, ring);
    await platform.audit.append({ action: 'audit.verify', outcome: 'ok', actor: { kind: 'system', reason: 't' } });
    const witness = await signTreeHead(platform.db, ring);
    const file = join(tmpdir(), `govshare-witness-${process.pid}-${witness.treeSize}.json`);
    try {
      writeFileSync(file, JSON.stringify([earlier, witness]));
      const fine = await remote('--head', file, '--json');
      assert.equal(fine.code, 0, fine.out);
      assert.equal(JSON.parse(fine.out).problems.length, 0);
      // A head of the same size with another root (as a fork would show another viewer).
      writeFileSync(file, JSON.stringify({ ...witness, root: 'ab'.repeat(32) }));
      const fork = await remote('--head', file);
      assert.equal(fork.code, 1);
      assert.match(
        fork.out,
        /witness head \d+: (the node's current head of the same size has another root|no consistency proof leads from it)/,
      );
      // Everything after the earlier head goes, with every trace: only the witness head shows it.
      writeFileSync(file, JSON.stringify(witness));
      await truncate(platform.db, earlier.treeSize);
      const cut = await remote('--head', file);
      assert.equal(cut.code, 1);
      assert.match(
        cut.out,
        new RegExp(
          `witness head ${witness.treeSize}: the node's current head has only ${earlier.treeSize} entries: the ledger was truncated or rolled back`,
        ),
      );
    } finally {
      rmSync(file, { force: true });
    }
  });
});
