import { audit, type Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { conflict } from '../core/problem.js';
import { resealRecords, SystemRead } from '../records/system.js';
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

/**
 * Re-encrypts every value (records and the node's private keys) not under the active key. The records are read
 * in system mode through the records door (job `keys.reencrypt`), audited as one `records.read` entry per run,
 * with the counts so far when the run fails.
 */
async function reencryptAll(p: Platform, status: ReencryptStatus, batch = 500): Promise<void> {
  const run = new SystemRead(p, 'keys.reencrypt');
  let failed = false;
  try {
    await resealRecords(run, (n) => (status.reencrypted += n), batch);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await run.audit({ activeKey: p.ring.activeId, ...(failed ? { failed: true } : {}) });
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
