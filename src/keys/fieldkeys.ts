import { audit, type Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { conflict } from '../core/problem.js';
import { resealRecord } from '../records/sealed.js';
import { saveKeyring } from '../crypto/keyring.js';
import { reencryptSigningKeys } from './signing.js';

// Field-key rotation without downtime: a new key becomes active for new values at once; a background job then
// re-encrypts every stored value under it, in small transactions; lookups keep working throughout (blind indexes
// use the index key, which does not change).

export interface ReencryptStatus {
  running: boolean;
  activeKey: string;
  keys: string[];
  reencrypted: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

const jobs = new WeakMap<Platform, ReencryptStatus & { done: Promise<void> }>();

export function fieldKeyStatus(ctx: Ctx): ReencryptStatus {
  requireAdmin(ctx);
  const j = jobs.get(ctx.platform);
  return {
    running: j?.running ?? false,
    activeKey: ctx.platform.ring.activeId,
    keys: ctx.platform.ring.ids,
    reencrypted: j?.reencrypted ?? 0,
    startedAt: j?.startedAt ?? null,
    finishedAt: j?.finishedAt ?? null,
    error: j?.error ?? null,
  };
}

/** Re-encrypts every value (records and the node's private keys) not under the active key. */
async function reencryptAll(p: Platform, status: ReencryptStatus, batch = 500): Promise<void> {
  const pattern = `enc:v1:(?!${p.ring.activeId}:)`;
  let after: [string, string, number] = ['', '', 0];
  for (;;) {
    const rows = await p.db.query<{
      dataset_id: string;
      record_key: string;
      version: number;
      data: Record<string, unknown>;
    }>(
      `SELECT dataset_id, record_key, version, data FROM records
       WHERE (dataset_id, record_key, version) > ($1, $2, $3) AND data::text ~ $4
       ORDER BY dataset_id, record_key, version LIMIT $5`,
      [...after, pattern, batch],
    );
    if (rows.rows.length === 0) break;
    const ring = p.ring;
    const ids: string[] = [];
    const keys: string[] = [];
    const versions: number[] = [];
    const datas: string[] = [];
    for (const r of rows.rows) {
      const data = resealRecord(ring, r.dataset_id, r.data) ?? r.data;
      ids.push(r.dataset_id);
      keys.push(r.record_key);
      versions.push(r.version);
      datas.push(JSON.stringify(data));
    }
    await p.db.query(
      `UPDATE records r SET data = u.data::jsonb FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(dataset_id, record_key, version, data)
       WHERE r.dataset_id = u.dataset_id AND r.record_key = u.record_key AND r.version = u.version`,
      [ids, keys, versions, datas],
    );
    status.reencrypted += rows.rows.length;
    const last = rows.rows[rows.rows.length - 1]!;
    after = [last.dataset_id, last.record_key, last.version];
  }
  await reencryptSigningKeys(p.db, p.ring);
}

/** Starts the background re-encryption (if not running); resolves when it has started. */
export function startReencryption(ctx: Ctx): ReencryptStatus {
  requireAdmin(ctx);
  const current = jobs.get(ctx.platform);
  if (current?.running) return fieldKeyStatus(ctx);
  const status = {
    running: true,
    activeKey: ctx.platform.ring.activeId,
    keys: ctx.platform.ring.ids,
    reencrypted: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null as string | null,
    error: null as string | null,
  };
  const done = reencryptAll(ctx.platform, status)
    .then(() =>
      audit(ctx, {
        action: 'keys.reencrypted',
        outcome: 'ok',
        detail: { activeKey: status.activeKey, values: status.reencrypted },
      }),
    )
    .catch(async (err: unknown) => {
      status.error = (err as Error).message;
      await audit(ctx, { action: 'keys.reencrypted', outcome: 'failed', reason: status.error }).catch(() => undefined);
    })
    .finally(() => {
      status.running = false;
      status.finishedAt = new Date().toISOString();
    }) as Promise<void>;
  jobs.set(ctx.platform, Object.assign(status, { done }));
  return fieldKeyStatus(ctx);
}

/** Waits for the running re-encryption job (tests and the CLI). */
export async function reencryptionDone(p: Platform): Promise<void> {
  await jobs.get(p)?.done;
}

/** A new active field key (key file mode): saved, used at once for new values, old values re-encrypted in the background. */
export async function rotateFieldKey(ctx: Ctx, keyFile: string | undefined): Promise<ReencryptStatus> {
  requireAdmin(ctx);
  if (!keyFile)
    throw conflict(
      'keys_from_environment',
      'The field keys come from GOVSHARE_FIELD_KEYS: add a new active key there, restart, then POST /api/v1/admin/field-keys/reencrypt.',
    );
  if (jobs.get(ctx.platform)?.running)
    throw conflict('reencryption_running', 'A re-encryption is still running; wait for it to finish.');
  const next = ctx.platform.ring.rotate();
  saveKeyring(keyFile, next);
  ctx.platform.ring = next;
  await audit(ctx, { action: 'keys.rotated', outcome: 'ok', detail: { activeKey: next.activeId } });
  return startReencryption(ctx);
}
