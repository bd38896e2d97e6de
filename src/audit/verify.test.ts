// audit verify against rows deleted or changed behind the application's back. Each test tampers, verifies, then
// puts the rows back exactly and checks the ledger verifies again, so the tests do not depend on each other.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db/types.js';
import type { RunningPlatform } from '../node/platform.js';
import { describeEachEngine } from '../testing/db.js';
import { signTreeHead, type TreeHead } from './heads.js';
import { Ledger } from './ledger.js';
import { verifyLedger, type VerifyReport } from './verify.js';

interface Saved {
  entries: { seq: string; entry: string; at: Date }[];
  nodes: { level: number; idx: string; hash: string }[];
  subjects: { subject: string; seq: string }[];
}

/** Deletes (and keeps, to put back) entries, their leaves, tree nodes and subjects rows. */
async function remove(
  db: Db,
  what: { entries?: number[]; leaves?: number[]; nodes?: [number, number][]; subjectsOf?: number[] },
): Promise<Saved> {
  const saved: Saved = { entries: [], nodes: [], subjects: [] };
  for (const seq of what.entries ?? [])
    saved.entries.push(
      ...(await db.query<Saved['entries'][number]>('DELETE FROM audit_entries WHERE seq = $1 RETURNING *', [seq])).rows,
    );
  for (const [level, idx] of [...(what.leaves ?? []).map((s): [number, number] => [0, s]), ...(what.nodes ?? [])])
    saved.nodes.push(
      ...(
        await db.query<Saved['nodes'][number]>('DELETE FROM audit_nodes WHERE level = $1 AND idx = $2 RETURNING *', [
          level,
          idx,
        ])
      ).rows,
    );
  for (const seq of what.subjectsOf ?? [])
    saved.subjects.push(
      ...(await db.query<Saved['subjects'][number]>('DELETE FROM audit_subjects WHERE seq = $1 RETURNING *', [seq]))
        .rows,
    );
  return saved;
}

async function restore(db: Db, s: Saved): Promise<void> {
  for (const e of s.entries)
    await db.query('INSERT INTO audit_entries (seq, entry, at) VALUES ($1, $2, $3)', [e.seq, e.entry, e.at]);
  for (const n of s.nodes)
    await db.query('INSERT INTO audit_nodes (level, idx, hash) VALUES ($1, $2, $3)', [n.level, n.idx, n.hash]);
  for (const r of s.subjects)
    await db.query('INSERT INTO audit_subjects (subject, seq) VALUES ($1, $2)', [r.subject, r.seq]);
}

const size = async (db: Db) =>
  Number((await db.query<{ n: string }>('SELECT COALESCE(max(seq) + 1, 0) AS n FROM audit_entries')).rows[0]!.n);

describeEachEngine('audit verify: deletions and changes', (getPlatform) => {
  let platform: RunningPlatform;
  let db: Db;
  let ledger: Ledger;

  const append = async (n: number, subjects?: string[]) => {
    for (let i = 0; i < n; i++)
      await ledger.append({
        action: 'records.read',
        outcome: 'ok',
        actor: { kind: 'system', reason: 'test' },
        dataset: 'ds',
        ...(subjects ? { subjects } : {}),
        detail: { i },
      });
  };
  /** Appends until the ledger has a size of the given parity (so the next entry's index is even or odd). */
  const toParity = async (parity: 0 | 1) => {
    if ((await size(db)) % 2 !== parity) await append(1);
  };
  const head = () => signTreeHead(db, platform.ring);

  /** Tampers, checks the report, restores, and checks the ledger verifies again. */
  const tampered = async (saved: Saved, check: (r: VerifyReport) => void) => {
    const report = await verifyLedger(db, 7); // small pages: the checks must hold across page boundaries
    await restore(db, saved);
    check(report);
    const again = await verifyLedger(db, 7);
    assert.equal(again.ok, true, again.problems.join('\n'));
  };
  const named = (r: VerifyReport, seq: number, why: RegExp) => {
    assert.equal(r.ok, false);
    assert.equal(r.firstBadEntry, seq, r.problems.join('\n'));
    assert.ok(
      r.problems.some((p) => p.startsWith(`entry ${seq}: `) && why.test(p)),
      `entry ${seq} ${why}: ${r.problems.join('\n')}`,
    );
  };

  before(async () => {
    platform = await getPlatform();
    db = platform.db;
    ledger = new Ledger(db);
    await append(20, ['subject-a', 'subject-b']);
    await head();
    const clean = await verifyLedger(db, 7);
    assert.equal(clean.ok, true, clean.problems.join('\n'));
  });

  test('deleting the newest entry before a signed head covers it: verify fails and names its seq', async () => {
    await head();
    await toParity(0);
    await append(1); // at an even index, so no tree node above its leaf is complete yet
    const last = (await size(db)) - 1;
    const saved = await remove(db, { entries: [last] });
    await tampered(saved, (r) => {
      named(r, last, /missing \(deleted\): its leaf hash is still in the tree/);
      assert.equal(r.treeSize, last + 1);
    });
  });

  test('deleting the newest entries with their leaves, before a head: caught by the tree nodes left behind', async () => {
    await head();
    await toParity(0);
    await append(2); // the second at an odd index completes the node (1, first/2)
    const last = (await size(db)) - 1;
    const saved = await remove(db, { entries: [last - 1, last], leaves: [last - 1, last] });
    await tampered(saved, (r) => named(r, last - 1, /missing \(deleted\) with its leaf hash/));
  });

  test('deleting the newest entry with its leaf, before a head: caught by its subjects index rows', async () => {
    await head();
    await toParity(0);
    await append(1, ['subject-c']);
    const last = (await size(db)) - 1;
    const saved = await remove(db, { entries: [last], leaves: [last] });
    await tampered(saved, (r) =>
      named(r, last, /missing \(deleted\) with its leaf hash; its subjects index rows remain/),
    );
  });

  test('deleting the last entry a signed head covers: named, and the head is still checked', async () => {
    await append(3);
    const h = await head();
    const saved = await remove(db, { entries: [h.treeSize - 1] });
    await tampered(saved, (r) => {
      named(r, h.treeSize - 1, /missing \(deleted\)/);
      assert.ok(r.headsChecked >= 1);
    });
  });

  test('deleting a covered last entry with its leaf: named, and the head is reported as not recomputable', async () => {
    await toParity(0);
    await append(1);
    const h = await head();
    const saved = await remove(db, { entries: [h.treeSize - 1], leaves: [h.treeSize - 1] });
    await tampered(saved, (r) => {
      named(r, h.treeSize - 1, /missing \(deleted\) with its leaf hash/);
      assert.ok(r.problems.some((p) => p.startsWith(`tree head ${h.treeSize}: its root cannot be recomputed`)));
    });
  });

  test('deleting a middle entry (with or without its leaf) is named', async () => {
    await append(4);
    const saved = await remove(db, { entries: [9] });
    await tampered(saved, (r) => named(r, 9, /missing \(deleted\): its leaf hash is still in the tree/));
    const both = await remove(db, { entries: [12], leaves: [12] });
    await tampered(both, (r) => named(r, 12, /missing \(deleted\) with its leaf hash/));
  });

  test('a leaf deleted under its entry is named', async () => {
    const saved = await remove(db, { leaves: [5] });
    await tampered(saved, (r) => named(r, 5, /its leaf hash is missing from the tree/));
  });

  test('a changed entry is named, covered by a head or not', async () => {
    await append(2);
    const last = (await size(db)) - 1;
    for (const seq of [3, last]) {
      const row = (await db.query<{ entry: string }>('SELECT entry FROM audit_entries WHERE seq = $1', [seq])).rows[0]!;
      await db.query('UPDATE audit_entries SET entry = $2 WHERE seq = $1', [
        seq,
        row.entry.replace('"outcome":"ok"', '"outcome":"denied"'),
      ]);
      const report = await verifyLedger(db, 7);
      await db.query('UPDATE audit_entries SET entry = $2 WHERE seq = $1', [seq, row.entry]);
      named(report, seq, /no longer matches its leaf in the tree \(changed\)/);
    }
    assert.equal((await verifyLedger(db)).ok, true);
  });

  test('a subjects index row deleted (hiding the entry from a person) or added is named', async () => {
    const row = (await db.query<{ subject: string }>('SELECT subject FROM audit_subjects WHERE seq = 2 LIMIT 1'))
      .rows[0]!;
    await db.query('DELETE FROM audit_subjects WHERE seq = 2 AND subject = $1', [row.subject]);
    const hidden = await verifyLedger(db, 7);
    await db.query('INSERT INTO audit_subjects (subject, seq) VALUES ($1, 2)', [row.subject]);
    named(hidden, 2, /the subjects index \(audit_subjects\) no longer lists/);
    await db.query(`INSERT INTO audit_subjects (subject, seq) VALUES ('someone-else', 4)`);
    const added = await verifyLedger(db, 7);
    await db.query(`DELETE FROM audit_subjects WHERE subject = 'someone-else'`);
    named(added, 4, /lists 1 person\(s\) the entry does not name/);
    assert.equal((await verifyLedger(db)).ok, true);
  });

  test('truncating the tail with all its traces passes alone; a witness head names the first entry gone', async () => {
    await append(5, ['subject-d']);
    const kept = await size(db);
    await append(6, ['subject-e']);
    const witness: TreeHead = await head(); // what a witness fetched and kept
    // Everything at or after `kept` goes, consistently: entries, every node reaching past it, subjects, heads.
    const gone = {
      entries: (await db.query<any>('DELETE FROM audit_entries WHERE seq >= $1 RETURNING *', [kept])).rows,
      nodes: (
        await db.query<any>('DELETE FROM audit_nodes WHERE (idx + 1) * (1::bigint << level) > $1 RETURNING *', [kept])
      ).rows,
      subjects: (await db.query<any>('DELETE FROM audit_subjects WHERE seq >= $1 RETURNING *', [kept])).rows,
      heads: (await db.query<any>('DELETE FROM audit_tree_heads WHERE tree_size > $1 RETURNING *', [kept])).rows,
    };
    const alone = await verifyLedger(db, 7);
    const witnessed = await verifyLedger(db, 7, [witness]);
    await restore(db, gone);
    for (const h of gone.heads)
      await db.query(
        'INSERT INTO audit_tree_heads (tree_size, root, signed_at, kid, signature) VALUES ($1, $2, $3, $4, $5)',
        [h.tree_size, h.root, h.signed_at, h.kid, h.signature],
      );
    assert.equal(alone.ok, true, 'what only a witness catches: ' + alone.problems.join('\n'));
    assert.equal(alone.treeSize, kept);
    named(witnessed, kept, /missing \(deleted\) with its leaf hash/);
    assert.equal(witnessed.treeSize, witness.treeSize);
    assert.ok(
      witnessed.problems.some((p) => p.startsWith(`witness head ${witness.treeSize}: its root cannot be recomputed`)),
      witnessed.problems.join('\n'),
    );
    const whole = await verifyLedger(db, 7, [witness]);
    assert.equal(whole.ok, true, whole.problems.join('\n'));
  });

  test('a witness head the ledger does not give (forged, or from a fork) is reported', async () => {
    const h = await head();
    const forged = { ...h, root: h.root.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    const r = await verifyLedger(db, 7, [forged]);
    assert.equal(r.ok, false);
    assert.equal(r.firstBadEntry, null);
    assert.ok(r.problems.includes(`witness head ${h.treeSize}: signature does not verify (kid ${h.kid})`));
    assert.ok(
      r.problems.some((p) => p.startsWith(`witness head ${h.treeSize}: the entries stored today give another root`)),
    );
  });

  test('a tree node deleted or changed is reported', async () => {
    const saved = await remove(db, { nodes: [[2, 1]] });
    await tampered(saved, (r) => {
      assert.equal(r.ok, false);
      assert.ok(
        r.problems.some((p) => /^tree node \(2, 1\) over entries 4-7: missing/.test(p)),
        r.problems.join('\n'),
      );
    });
    const kept = (await db.query<{ hash: string }>('SELECT hash FROM audit_nodes WHERE level = 1 AND idx = 0'))
      .rows[0]!;
    await db.query(`UPDATE audit_nodes SET hash = repeat('0', 64) WHERE level = 1 AND idx = 0`);
    const changed = await verifyLedger(db, 7);
    await db.query('UPDATE audit_nodes SET hash = $1 WHERE level = 1 AND idx = 0', [kept.hash]);
    assert.ok(changed.problems.some((p) => /^tree node \(1, 0\) over entries 0-1: does not match/.test(p)));
    assert.equal((await verifyLedger(db)).ok, true);
  });
});
