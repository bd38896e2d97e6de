import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, isAdmin, requireAdmin, requireAuthenticated } from '../access/policy.js';
import { badRequest, notFound } from '../core/problem.js';
import type { AuditEntry } from './entry.js';
import { latestTreeHead, signTreeHead, type TreeHead } from './heads.js';
import { dbNodeSource, ledgerSize } from './ledger.js';
import { consistencyProof, inclusionProof, leafHash } from './merkle.js';
import { verifyLedger, type VerifyReport } from './verify.js';

export interface ProvenEntry {
  seq: number;
  entry: string; // the canonical bytes (UTF-8) that are the Merkle leaf
  leafHash: string; // hex
  treeHead: TreeHead;
  proof: string[]; // hex, RFC 6962 audit path to treeHead.root
}

/** The latest signed tree head, signing a fresh one when entries were appended since (on demand). */
export async function currentTreeHead(ctx: Ctx, minSize = 0): Promise<TreeHead> {
  const latest = await latestTreeHead(ctx.db);
  if (latest && latest.treeSize >= minSize && latest.treeSize > 0) return latest;
  return signTreeHead(ctx.db, ctx.platform.ring);
}

/** Entries with inclusion proofs against one signed head (signed now if the latest does not cover them). */
export async function proveEntries(ctx: Ctx, rows: { seq: number; entry: string }[]): Promise<ProvenEntry[]> {
  if (rows.length === 0) return [];
  const head = await currentTreeHead(ctx, Math.max(...rows.map((r) => r.seq)) + 1);
  const src = dbNodeSource(ctx.db);
  const out: ProvenEntry[] = [];
  for (const r of rows) {
    const proof = await inclusionProof(src, r.seq, head.treeSize);
    out.push({
      seq: r.seq,
      entry: r.entry,
      leafHash: leafHash(Buffer.from(r.entry, 'utf8')).toString('hex'),
      treeHead: head,
      proof: proof.map((h) => h.toString('hex')),
    });
  }
  return out;
}

/** One entry with its proof: administrators see all; a department sees entries it made or about its datasets. */
export async function getEntry(ctx: Ctx, seq: number): Promise<ProvenEntry> {
  requireAuthenticated(ctx);
  const res = await ctx.db.query<{ seq: number | string; entry: string }>(
    'SELECT seq, entry FROM audit_entries WHERE seq = $1',
    [seq],
  );
  const row = res.rows[0];
  if (!row) throw notFound('entry_not_found', `No audit entry ${seq}.`);
  if (!isAdmin(ctx)) {
    const e = JSON.parse(row.entry) as AuditEntry;
    const dept = callerDepartment(ctx);
    const owner = e.dataset
      ? (await ctx.db.query<{ owner_id: string }>('SELECT owner_id FROM datasets WHERE id = $1', [e.dataset])).rows[0]
          ?.owner_id
      : undefined;
    if (e.actor.department !== dept && owner !== dept)
      throw notFound('entry_not_found', `No audit entry ${seq} visible to ${dept}.`);
  }
  return (await proveEntries(ctx, [{ seq: Number(row.seq), entry: row.entry }]))[0]!;
}

/** RFC 6962 consistency proof between two tree sizes (hashes only: public). */
export async function getConsistency(
  ctx: Ctx,
  from: number,
  to: number,
): Promise<{ from: number; to: number; proof: string[] }> {
  const size = await ledgerSize(ctx.db);
  if (from < 1 || from > to || to > size)
    throw badRequest('invalid_range', `Need 1 <= from <= to <= ${size} (the tree size).`);
  const proof = await consistencyProof(dbNodeSource(ctx.db), from, to);
  return { from, to, proof: proof.map((h) => h.toString('hex')) };
}

export async function signHeadNow(ctx: Ctx): Promise<TreeHead> {
  requireAdmin(ctx);
  const head = await signTreeHead(ctx.db, ctx.platform.ring);
  return head;
}

export async function verifyAudit(ctx: Ctx): Promise<VerifyReport> {
  requireAdmin(ctx);
  const report = await verifyLedger(ctx.db);
  await audit(ctx, {
    action: 'audit.verify',
    outcome: report.ok ? 'ok' : 'failed',
    detail: { treeSize: report.treeSize, firstBadEntry: report.firstBadEntry },
  });
  return report;
}
