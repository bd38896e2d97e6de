// Signed messages between nodes: an outbox written with the change that caused it, a sender that retries with
// backoff until the receiver has it, and an inbox that checks, de-duplicates and applies each message once.
import type { Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { audit, makeCtx } from '../access/context.js';
import { requireAdmin } from '../access/policy.js';
import { systemPrincipal } from '../access/principal.js';
import { Problem } from '../core/problem.js';
import type { Queryable } from '../db/types.js';
import { peerJson } from './http.js';
import { nodeIdentity, type NodeIdentity } from './identity.js';
import { national } from './national.js';
import {
  checkMessage,
  MESSAGE_WINDOW_MS,
  newMessageId,
  signMessage,
  type Envelope,
  type MessageType,
  type RejectReason,
  type SignedMessage,
} from './protocol/index.js';

export const BACKOFF_START_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;

export interface Outgoing {
  to: string;
  type: MessageType;
  payload: (id: string) => Record<string, unknown>;
}

/**
 * Signs messages and puts them in the outbox (in the caller's transaction), 500 rows per statement. `me` is the
 * node's identity, loaded before the transaction (on PGlite nothing inside a transaction may wait for another query).
 */
export async function enqueueMessages(
  q: Queryable,
  p: Platform,
  me: NodeIdentity,
  out: readonly Outgoing[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < out.length; i += 500) {
    const rows = out.slice(i, i + 500).map((o) => {
      const id = newMessageId();
      const envelope: Envelope = {
        id,
        from: p.settings.region,
        to: o.to,
        type: o.type,
        at: new Date().toISOString(),
        payload: o.payload(id),
      };
      ids.push(id);
      return {
        id,
        to: o.to,
        type: o.type,
        message: JSON.stringify(signMessage(envelope, { kid: me.kid, privateKey: me.privateKey })),
      };
    });
    await q.query(
      'INSERT INTO fed_outbox (id, to_region, type, message) SELECT i, t, y, m::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(i, t, y, m)',
      [rows.map((r) => r.id), rows.map((r) => r.to), rows.map((r) => r.type), rows.map((r) => r.message)],
    );
  }
  return ids;
}

/** Re-signed with a fresh time only when older than this (the receiver accepts MESSAGE_WINDOW_MS either way). */
const RESIGN_AFTER_MS = MESSAGE_WINDOW_MS / 2;
/** Messages per request to one recipient. */
const SEND_BATCH = 100;
/** ...and up to about this many bytes (the receiver accepts 1 MiB bodies). */
const SEND_BATCH_BYTES = 512 * 1024;

interface OutRow {
  id: string;
  to_region: string;
  message: SignedMessage;
  attempts: number;
}

/**
 * Posts due messages. A message is delivered when the receiver answers 200 (applied) or 409 replayed (it has it
 * already); otherwise it is retried after 1 s, 2 s, 4 s ... up to 60 s. The envelope is re-signed with a fresh time
 * on each attempt, so a message that waited in the outbox longer than the receiver's window still arrives; its id
 * stays the same, which is what makes receiving idempotent.
 */
export async function deliverDue(p: Platform, limit = 400): Promise<{ delivered: number; failed: number }> {
  const due = (
    await p.db.query<OutRow>(
      'SELECT id, to_region, message, attempts FROM fed_outbox WHERE delivered_at IS NULL AND next_attempt_at <= now() ORDER BY created_at LIMIT $1',
      [limit],
    )
  ).rows;
  if (due.length === 0) return { delivered: 0, failed: 0 };
  const nat = await national(p);
  const me = await nodeIdentity(p);
  const delivered: string[] = [];
  const failures: { id: string; attempts: number; error: string }[] = [];
  // One request per recipient and up to SEND_BATCH messages; the batches go out together.
  const batches: OutRow[][] = [];
  const byRegion = new Map<string, OutRow[]>();
  for (const row of due) byRegion.set(row.to_region, [...(byRegion.get(row.to_region) ?? []), row]);
  for (const rows of byRegion.values()) {
    let batch: OutRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = JSON.stringify(row.message).length;
      if (batch.length > 0 && (batch.length >= SEND_BATCH || bytes + size > SEND_BATCH_BYTES)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(row);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
  }
  await Promise.all(
    batches.map(async (rows) => {
      const region = rows[0]!.to_region;
      const peer = nat.regions.get(region);
      try {
        if (!peer) throw new Error(`region ${region} is not in the national list`);
        const messages = rows.map((row) =>
          Date.now() - Date.parse(row.message.envelope.at) > RESIGN_AFTER_MS
            ? signMessage(
                { ...row.message.envelope, at: new Date().toISOString() },
                { kid: me.kid, privateKey: me.privateKey },
              )
            : row.message,
        );
        const answer = await peerJson<{ results: BatchResult[] }>(
          `${peer.url}/api/v1/federation/inbox/batch`,
          { body: { messages } },
          15_000,
        );
        rows.forEach((row, i) => {
          const r = answer.results[i];
          if (r && (r.status === 'applied' || r.status === 'replayed')) delivered.push(row.id);
          else
            failures.push({
              id: row.id,
              attempts: row.attempts,
              error: r ? `refused: ${r.reason ?? ''} ${r.detail ?? ''}`.trim() : 'no result for it',
            });
        });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        for (const row of rows) failures.push({ id: row.id, attempts: row.attempts, error });
      }
    }),
  );
  if (delivered.length > 0) {
    await p.db.query(
      'UPDATE fed_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::text[])',
      [delivered],
    );
  }
  for (const f of failures) {
    const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(f.attempts, 16));
    await p.db.query(
      `UPDATE fed_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval WHERE id = $1`,
      [f.id, f.error, String(wait)],
    );
  }
  return { delivered: delivered.length, failed: failures.length };
}

export async function outboxBacklog(
  q: Queryable,
): Promise<{ pending: number; oldest: string | null; delivered: number }> {
  const r = (
    await q.query<{ pending: number; oldest: Date | string | null; delivered: number }>(
      `SELECT count(*) FILTER (WHERE delivered_at IS NULL)::int AS pending, min(created_at) FILTER (WHERE delivered_at IS NULL) AS oldest,
            count(*) FILTER (WHERE delivered_at IS NOT NULL)::int AS delivered FROM fed_outbox`,
    )
  ).rows[0]!;
  return {
    pending: r.pending,
    oldest: r.oldest === null ? null : new Date(r.oldest).toISOString(),
    delivered: r.delivered,
  };
}

/** Prepares a checked message outside any transaction (unsealing, lookups) and returns what to do inside it. */
export type Applier = (p: Platform, m: SignedMessage, me: NodeIdentity) => Promise<(tx: Queryable) => Promise<void>>;

const REJECT_STATUS: Record<RejectReason, number> = {
  malformed: 400,
  unsigned: 401,
  unknown_sender: 403,
  bad_signature: 403,
  wrong_recipient: 403,
  stale: 422,
  replayed: 409,
};

async function reject(ctx: Ctx, reason: RejectReason, detail: string, from: unknown, id: unknown): Promise<never> {
  await recordRejection(ctx, reason, detail, from, id);
  throw new Problem({ status: REJECT_STATUS[reason], code: reason, title: 'Message refused', detail });
}

/** Keeps a refusal (fed_rejections, for operators) and audits it. */
async function recordRejection(
  ctx: Ctx,
  reason: RejectReason,
  detail: string,
  from: unknown,
  id: unknown,
): Promise<void> {
  await ctx.db.query('INSERT INTO fed_rejections (reason, from_region, message_id, detail) VALUES ($1, $2, $3, $4)', [
    reason,
    typeof from === 'string' ? from.slice(0, 16) : null,
    typeof id === 'string' ? id.slice(0, 64) : null,
    detail.slice(0, 1000),
  ]);
  await audit(ctx, {
    action: 'federation.message.rejected',
    outcome: 'denied',
    reason,
    detail: { detail, ...(typeof from === 'string' ? { from } : {}), ...(typeof id === 'string' ? { id } : {}) },
  });
}

export const MAX_BATCH = 200;

export type BatchResult = {
  id: string | null;
  status: 'applied' | 'replayed' | 'refused';
  reason?: RejectReason;
  detail?: string;
};

/**
 * POST /api/v1/federation/inbox/batch: up to MAX_BATCH messages. Each is checked on its own (a bad one is refused
 * and logged without affecting the others); the good ones are applied in one transaction, each at most once.
 */
export async function receiveBatch(p: Platform, body: unknown, apply: Applier): Promise<{ results: BatchResult[] }> {
  const list = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BATCH) {
    throw new Problem({
      status: 400,
      code: 'malformed',
      title: 'Bad request',
      detail: `Expected { messages: [...] } with 1 to ${MAX_BATCH} signed messages.`,
    });
  }
  const ctx = makeCtx(p, systemPrincipal('federation.inbox'));
  const nat = await national(p);
  const me = await nodeIdentity(p);
  const senderKey = (region: string) => {
    const d = nat.regions.get(region);
    return d ? { kid: d.kid, publicKey: d.key } : undefined;
  };
  const results: BatchResult[] = [];
  const good: { m: SignedMessage; write: (tx: Queryable) => Promise<void>; at: number }[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const b = item as { envelope?: { from?: unknown; id?: unknown } } | null;
    const r = checkMessage(item, { self: p.settings.region, senderKey });
    const id = typeof b?.envelope?.id === 'string' ? b.envelope.id : null;
    if (!r.ok || seen.has(r.message.envelope.id)) {
      const reason: RejectReason = r.ok ? 'replayed' : r.reason;
      const detail = r.ok ? 'the same message twice in one batch' : r.detail;
      await recordRejection(ctx, reason, detail, b?.envelope?.from, id);
      results.push({ id, status: 'refused', reason, detail });
      continue;
    }
    seen.add(r.message.envelope.id);
    try {
      good.push({ m: r.message, write: await apply(p, r.message, me), at: results.length });
      results.push({ id: r.message.envelope.id, status: 'applied' });
    } catch (e) {
      const detail = `the payload cannot be applied: ${e instanceof Error ? e.message : String(e)}`;
      await recordRejection(ctx, 'malformed', detail, r.message.envelope.from, r.message.envelope.id);
      results.push({ id: r.message.envelope.id, status: 'refused', reason: 'malformed', detail });
    }
  }
  if (good.length > 0) {
    const fresh = await p.db.transaction(async (tx) => {
      const ins = await tx.query<{ id: string }>(
        `INSERT INTO fed_inbox (id, from_region, type, sent_at, message)
         SELECT i, f, t, a::timestamptz, m::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(i, f, t, a, m)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          good.map((g) => g.m.envelope.id),
          good.map((g) => g.m.envelope.from),
          good.map((g) => g.m.envelope.type),
          good.map((g) => g.m.envelope.at),
          good.map((g) => JSON.stringify(g.m)),
        ],
      );
      const inserted = new Set(ins.rows.map((r) => r.id));
      for (const g of good) if (inserted.has(g.m.envelope.id)) await g.write(tx);
      return inserted;
    });
    for (const g of good) if (!fresh.has(g.m.envelope.id)) results[g.at] = { id: g.m.envelope.id, status: 'replayed' };
    const applied = good.filter((g) => fresh.has(g.m.envelope.id));
    if (applied.length > 0) {
      await audit(ctx, {
        action: 'federation.message.applied',
        outcome: 'ok',
        detail: {
          count: applied.length,
          from: [...new Set(applied.map((g) => g.m.envelope.from))],
          ids: applied.map((g) => g.m.envelope.id),
        },
      });
    }
  }
  return { results };
}

/** POST /api/v1/federation/inbox: checks the message, refuses replays, applies it once, in one transaction. */
export async function receiveMessage(
  p: Platform,
  body: unknown,
  apply: Applier,
): Promise<{ id: string; applied: true }> {
  const ctx = makeCtx(p, systemPrincipal('federation.inbox'));
  const nat = await national(p);
  const r = checkMessage(body, {
    self: p.settings.region,
    senderKey: (region) => {
      const d = nat.regions.get(region);
      return d ? { kid: d.kid, publicKey: d.key } : undefined;
    },
  });
  const b = body as { envelope?: { from?: unknown; id?: unknown } } | null;
  if (!r.ok) return reject(ctx, r.reason, r.detail, b?.envelope?.from, b?.envelope?.id);
  const m = r.message;
  const me = await nodeIdentity(p);
  let write: (tx: Queryable) => Promise<void>;
  try {
    write = await apply(p, m, me);
  } catch (e) {
    return reject(
      ctx,
      'malformed',
      `the payload cannot be applied: ${e instanceof Error ? e.message : String(e)}`,
      m.envelope.from,
      m.envelope.id,
    );
  }
  const applied = await p.db.transaction(async (tx) => {
    const ins = await tx.query(
      'INSERT INTO fed_inbox (id, from_region, type, sent_at, message) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id',
      [m.envelope.id, m.envelope.from, m.envelope.type, m.envelope.at, JSON.stringify(m)],
    );
    if (ins.rows.length === 0) return false;
    await write(tx);
    return true;
  });
  if (!applied)
    return reject(ctx, 'replayed', `message ${m.envelope.id} was received before`, m.envelope.from, m.envelope.id);
  await audit(ctx, {
    action: 'federation.message.applied',
    outcome: 'ok',
    detail: { id: m.envelope.id, from: m.envelope.from, type: m.envelope.type },
  });
  return { id: m.envelope.id, applied: true };
}

export interface OutboxItem {
  id: string;
  to: string;
  type: string;
  createdAt: string;
  attempts: number;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  message: SignedMessage;
}

/** The newest outbox messages (administrators inspect delivery; payloads name people only as sealed values). */
export async function listOutbox(ctx: Ctx, opts: { pending?: boolean; limit?: number } = {}): Promise<OutboxItem[]> {
  requireAdmin(ctx);
  const q = ctx.db;
  const res = await q.query<{
    id: string;
    to_region: string;
    type: string;
    created_at: Date | string;
    attempts: number;
    next_attempt_at: Date | string;
    delivered_at: Date | string | null;
    last_error: string | null;
    message: SignedMessage;
  }>(`SELECT * FROM fed_outbox ${opts.pending ? 'WHERE delivered_at IS NULL' : ''} ORDER BY created_at DESC LIMIT $1`, [
    opts.limit ?? 50,
  ]);
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return res.rows.map((r) => ({
    id: r.id,
    to: r.to_region,
    type: r.type,
    createdAt: iso(r.created_at)!,
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at)!,
    deliveredAt: iso(r.delivered_at),
    lastError: r.last_error,
    message: r.message,
  }));
}

/** The latest refused messages (each is in the audit ledger too). */
export async function recentRejections(
  q: Queryable,
  limit = 20,
): Promise<{ seq: number; at: string; reason: string; from: string | null; id: string | null }[]> {
  const res = await q.query<{
    seq: string | number;
    at: Date | string;
    reason: string;
    from_region: string | null;
    message_id: string | null;
  }>('SELECT seq, at, reason, from_region, message_id FROM fed_rejections ORDER BY seq DESC LIMIT $1', [limit]);
  return res.rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    reason: r.reason,
    from: r.from_region,
    id: r.message_id,
  }));
}
