// `govshare audit verify` against a real PGlite data directory, opened locally by the command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
    await platform.db.query('DELETE FROM audit_entries WHERE seq = $1', [last]);
    const r = await remote();
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`\\nfirst bad entry: {5}${last}\\n`));
    assert.match(
      r.out,
      new RegExp(`\\n {2}entry ${last}: missing \\(deleted\\): its leaf hash is still in the tree\\n`),
    );
    assert.equal(r.err, `govshare: the audit ledger does not verify: entry ${last} was changed or deleted\n`);
  });
});
