import type { Queryable } from '../db/types.js';
import { publicKeys, verifyBytes } from '../keys/signing.js';
import type { AuditEntry } from './entry.js';
import { headBytes, treeHeads, type TreeHead } from './heads.js';
import { ledgerSize } from './ledger.js';
import { FrontierAppender, leafHash } from './merkle.js';
import { subjectValue } from './subjects.js';

export interface VerifyReport {
  ok: boolean;
  /** How far the ledger reaches: past the last entry, tree node, subjects row and signed head that are stored. */
  treeSize: number;
  entriesChecked: number;
  headsChecked: number;
  /** The first entry missing, changed, or out of step with its leaf or its subjects (by sequence number). */
  firstBadEntry: number | null;
  problems: string[];
}

const MAX_PROBLEMS = 50;

/** How far each table (and every head) reaches: a deletion at the tail leaves traces in the others. */
async function extent(q: Queryable, heads: readonly TreeHead[]): Promise<number> {
  const subjects = await q.query<{ n: number | string }>('SELECT COALESCE(max(seq) + 1, 0) AS n FROM audit_subjects');
  return Math.max(await ledgerSize(q), Number(subjects.rows[0]?.n ?? 0), ...heads.map((h) => h.treeSize));
}

/** The stored tree nodes completed by the leaves [from, to): at level l, those whose last leaf is in the range. */
async function nodesEndingIn(q: Queryable, from: number, to: number): Promise<Map<string, string>> {
  const levels: number[] = [];
  const lows: number[] = [];
  const highs: number[] = [];
  for (let level = 0, width = 1; width <= to; level++, width *= 2) {
    const lo = Math.ceil((from + 1) / width) - 1;
    const hi = Math.floor(to / width);
    if (hi <= lo) continue;
    levels.push(level);
    lows.push(lo);
    highs.push(hi);
  }
  const res = await q.query<{ level: number; idx: number | string; hash: string }>(
    `SELECT n.level, n.idx, n.hash FROM audit_nodes n
     JOIN unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS r(l, lo, hi)
       ON n.level = r.l AND n.idx >= r.lo AND n.idx < r.hi`,
    [levels, lows, highs],
  );
  return new Map(res.rows.map((n) => [`${n.level}:${Number(n.idx)}`, n.hash]));
}

/** Why an entry's subjects and the subjects index rows for it disagree, or null. */
function subjectsProblem(text: string, indexed: readonly string[]): string | null {
  let e: Partial<AuditEntry>;
  try {
    e = JSON.parse(text) as Partial<AuditEntry>;
  } catch {
    return 'it is not JSON';
  }
  if (typeof e !== 'object' || e === null) return 'it is not a JSON object';
  const named = new Set(Array.isArray(e.subjects) ? e.subjects : []);
  const salt = typeof e.salt === 'string' ? e.salt : undefined;
  const listed = new Set(indexed.map((s) => subjectValue({ v: e.v === 1 ? 1 : 2, salt }, s)));
  const unlisted = [...named].filter((s) => !listed.has(s)).length;
  if (unlisted > 0)
    return `it names ${unlisted} person(s) the subjects index (audit_subjects) no longer lists: rows were deleted, hiding the entry from them`;
  const unnamed = [...listed].filter((s) => !named.has(s)).length;
  if (unnamed > 0) return `the subjects index lists ${unnamed} person(s) the entry does not name: rows were added`;
  return null;
}

interface HeadToCheck {
  head: TreeHead;
  label: string; // how problems name it
}

/** The stored heads and the witness's, by tree size; a witness head the node also stores is checked once. */
function headsBySize(stored: readonly TreeHead[], witness: readonly TreeHead[]): Map<number, HeadToCheck[]> {
  const out = new Map<number, HeadToCheck[]>();
  const add = (head: TreeHead, label: string) => {
    const list = out.get(head.treeSize) ?? [];
    const same = list.some(
      (x) => x.head.root === head.root && x.head.time === head.time && x.head.signature === head.signature,
    );
    if (!same) list.push({ head, label });
    out.set(head.treeSize, list);
  };
  for (const h of stored) add(h, `tree head ${h.treeSize}`);
  for (const h of witness) add(h, `witness head ${h.treeSize}`);
  return out;
}

/**
 * Recomputes the whole tree from the stored entries and checks that entries, leaves, tree nodes, the subjects
 * index, sequence numbers and every signed tree head (signature and root) agree. `witness` are heads kept outside
 * the node (docs/audit.md, "What only a witness catches"): each is checked like a stored head, and its size
 * extends the ledger, so entries deleted after it are named. Reads the ledger in pages by sequence number;
 * memory stays O(page + log n).
 */
export async function verifyLedger(
  q: Queryable,
  pageSize = 10_000,
  witness: readonly TreeHead[] = [],
): Promise<VerifyReport> {
  const problems: string[] = [];
  let left = 0;
  const note = (p: string) => (problems.length < MAX_PROBLEMS ? problems.push(p) : left++);
  let firstBadEntry: number | null = null;
  const bad = (seq: number, why: string) => {
    if (firstBadEntry === null || seq < firstBadEntry) firstBadEntry = seq;
    note(`entry ${seq}: ${why}`);
  };
  const heads = await treeHeads(q);
  const size = await extent(q, [...heads, ...witness]);
  const keys = await publicKeys(q, 'audit');
  const headAt = headsBySize(heads, witness);
  const appender = new FrontierAppender();
  /** The first entry whose leaf is gone with it: no root past it can be recomputed. */
  let lost: number | null = null;
  let headsChecked = 0;
  let entriesChecked = 0;
  const checkHead = (at: number) => {
    for (const { head: h, label } of headAt.get(at) ?? []) {
      headsChecked += 1;
      const k = keys.get(h.kid);
      if (!k || !verifyBytes(k.key, headBytes(h), Buffer.from(h.signature, 'base64')))
        note(`${label}: signature does not verify (kid ${h.kid})`);
      if (lost !== null) note(`${label}: its root cannot be recomputed: entry ${lost} and its leaf hash are both gone`);
      else if (appender.root().toString('hex') !== h.root)
        note(`${label}: the entries stored today give another root than the one signed at ${h.time}`);
    }
  };
  checkHead(0);
  for (let from = 0; from < size; from += pageSize) {
    const to = Math.min(from + pageSize, size);
    const entries = await q.query<{ seq: number | string; entry: string }>(
      'SELECT seq, entry FROM audit_entries WHERE seq >= $1 AND seq < $2',
      [from, to],
    );
    const bySeq = new Map(entries.rows.map((r) => [Number(r.seq), r.entry]));
    const subj = await q.query<{ seq: number | string; subject: string }>(
      'SELECT seq, subject FROM audit_subjects WHERE seq >= $1 AND seq < $2',
      [from, to],
    );
    const subjects = new Map<number, string[]>();
    for (const r of subj.rows) {
      const list = subjects.get(Number(r.seq)) ?? [];
      list.push(r.subject);
      subjects.set(Number(r.seq), list);
    }
    const nodes = await nodesEndingIn(q, from, to);
    for (let seq = from; seq < to; seq++) {
      const text = bySeq.get(seq);
      const stored = nodes.get(`0:${seq}`);
      let leaf: Buffer | undefined;
      if (text !== undefined) {
        entriesChecked += 1;
        leaf = leafHash(Buffer.from(text, 'utf8'));
        if (stored === undefined) bad(seq, 'its leaf hash is missing from the tree (audit_nodes level 0: deleted)');
        else if (stored !== leaf.toString('hex'))
          bad(seq, 'its content no longer matches its leaf in the tree (changed)');
        const why = subjectsProblem(text, subjects.get(seq) ?? []);
        if (why) bad(seq, why);
      } else if (stored !== undefined) {
        bad(seq, 'missing (deleted): its leaf hash is still in the tree');
        leaf = Buffer.from(stored, 'hex');
      } else {
        bad(seq, `missing (deleted) with its leaf hash${subjects.has(seq) ? '; its subjects index rows remain' : ''}`);
        lost ??= seq;
      }
      if (lost === null && leaf !== undefined) {
        appender.appendEach([leaf], (level, index, hash) => {
          if (level === 0) return;
          const kept = nodes.get(`${level}:${index}`);
          if (kept === hash.toString('hex')) return;
          const span = `entries ${index * 2 ** level}-${(index + 1) * 2 ** level - 1}`;
          note(
            `tree node (${level}, ${index}) over ${span}: ${kept === undefined ? 'missing from audit_nodes (deleted)' : 'does not match the entries below it (changed)'}`,
          );
        });
      }
      checkHead(seq + 1);
    }
  }
  if (left > 0) problems.push(`... and ${left} more problem(s)`);
  return {
    ok: firstBadEntry === null && problems.length === 0,
    treeSize: size,
    entriesChecked,
    headsChecked,
    firstBadEntry,
    problems,
  };
}
