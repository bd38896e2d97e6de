import type { Queryable } from '../db/types.js';
import { publicKeys, verifyBytes } from '../keys/signing.js';
import { headBytes, treeHeads } from './heads.js';
import { ledgerSize } from './ledger.js';
import { FrontierAppender, leafHash } from './merkle.js';

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  entriesChecked: number;
  headsChecked: number;
  /** The first entry whose stored bytes no longer match the tree (a row changed behind the application's back). */
  firstBadEntry: number | null;
  problems: string[];
}

/**
 * Recomputes the whole tree from the stored entries and checks it against the stored leaf and node hashes and
 * against every signed tree head (signature and root). Reads the ledger in pages; memory stays O(log n).
 */
export async function verifyLedger(q: Queryable, pageSize = 10_000): Promise<VerifyReport> {
  const problems: string[] = [];
  let firstBadEntry: number | null = null;
  const bad = (seq: number, why: string) => {
    if (firstBadEntry === null || seq < firstBadEntry) firstBadEntry = seq;
    if (problems.length < 50) problems.push(`entry ${seq}: ${why}`);
  };
  const size = await ledgerSize(q);
  const heads = await treeHeads(q);
  const keys = await publicKeys(q, 'audit');
  const headAt = new Map(heads.map((h) => [h.treeSize, h]));
  const appender = new FrontierAppender();
  let headsChecked = 0;
  const checkHead = () => {
    const h = headAt.get(appender.size);
    if (!h) return;
    headsChecked += 1;
    const k = keys.get(h.kid);
    if (!k || !verifyBytes(k.key, headBytes(h), Buffer.from(h.signature, 'base64')))
      problems.push(`tree head ${h.treeSize}: signature does not verify (kid ${h.kid})`);
    if (appender.root().toString('hex') !== h.root) {
      problems.push(
        `tree head ${h.treeSize}: the entries stored today give another root than the one signed at ${h.time}`,
      );
    }
  };
  checkHead();
  for (let from = 0; from < size; from += pageSize) {
    const res = await q.query<{ seq: number | string; entry: string }>(
      'SELECT seq, entry FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq',
      [from, from + pageSize],
    );
    const nodes = await q.query<{ level: number; idx: number | string; hash: string }>(
      'SELECT level, idx, hash FROM audit_nodes WHERE level = 0 AND idx >= $1 AND idx < $2',
      [from, from + pageSize],
    );
    const leafNodes = new Map(nodes.rows.map((n) => [Number(n.idx), n.hash]));
    let expect = from;
    for (const r of res.rows) {
      const seq = Number(r.seq);
      while (expect < seq) {
        bad(expect, 'missing (deleted)');
        expect += 1;
      }
      expect = seq + 1;
      const leaf = leafHash(Buffer.from(r.entry, 'utf8'));
      const hex = leaf.toString('hex');
      if (leafNodes.get(seq) !== hex) bad(seq, 'its content no longer matches its leaf in the tree (changed)');
      appender.appendEach([leaf], () => undefined);
      checkHead();
    }
    while (expect < Math.min(from + pageSize, size)) {
      bad(expect, 'missing (deleted)');
      expect += 1;
    }
  }
  for (const h of heads)
    if (h.treeSize > size)
      problems.push(`tree head ${h.treeSize}: signed for more entries than are stored (${size}): entries were deleted`);
  return { ok: problems.length === 0, treeSize: size, entriesChecked: size, headsChecked, firstBadEntry, problems };
}
