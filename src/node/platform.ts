import { join } from 'node:path';
import type { Platform, PlatformSettings } from '../platform/platform.js';
import { Ledger } from '../audit/ledger.js';
import type { Config } from '../config.js';
import { loadKeyring } from '../crypto/keyring.js';
import { openDatabase } from '../db/open.js';
import { openPostgres } from '../db/postgres.js';
import type { Db } from '../db/types.js';
import { seedBaseline } from '../standard/registry.js';

export const DEFAULT_SETTINGS: PlatformSettings = {
  answerWorkingDays: 10,
  region: '440000',
  codeTtlSeconds: 300,
  retentionDays: 21,
  federation: { role: 'standalone', hubUrl: undefined, hubKey: undefined, syncMs: 30_000 },
};

export interface RunningPlatform extends Platform {
  readonly ledger: Ledger;
  readonly keyFile: string | undefined;
  close(): Promise<void>;
}

/** Builds the platform over an open database: field keys, the audit ledger, settings. */
export function platformOn(
  db: Db,
  opts: {
    ring: Platform['ring'];
    keyFile?: string | undefined;
    answerWorkingDays?: number | undefined;
    auditDb?: Db | undefined;
    settings?: Partial<PlatformSettings> | undefined;
  },
): RunningPlatform {
  // On PostgreSQL the ledger writes through connections of its own, so that a burst of reads (each waiting for
  // its audit entry) never queues the ledger's own write behind them in the shared pool.
  const ledger = new Ledger(opts.auditDb ?? db);
  return {
    db,
    ring: opts.ring,
    audit: ledger,
    ledger,
    keyFile: opts.keyFile,
    settings: {
      ...DEFAULT_SETTINGS,
      ...opts.settings,
      ...(opts.answerWorkingDays !== undefined ? { answerWorkingDays: opts.answerWorkingDays } : {}),
    },
    async close() {
      await ledger.flush();
      if (opts.auditDb) await opts.auditDb.close();
    },
  };
}

/** A small pool for the audit ledger on PostgreSQL (the same schema); none on PGlite, which has one connection. */
export async function openAuditDb(db: Db, databaseUrl: string | undefined): Promise<Db | undefined> {
  return db.engine === 'postgres' && databaseUrl
    ? openPostgres({ url: databaseUrl, schema: db.schema, max: 2 })
    : undefined;
}

/** Opens everything a node runs on, per the configuration. */
export async function openPlatform(config: Config): Promise<RunningPlatform> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  try {
    await seedBaseline(db);
    const keyFile = config.fieldKeys ? undefined : join(config.dataDir, 'field-keys.json');
    const ring = loadKeyring({ env: config.fieldKeys, file: keyFile ?? '', create: true });
    const p = platformOn(db, {
      ring,
      keyFile,
      answerWorkingDays: config.answerWorkingDays,
      auditDb: await openAuditDb(db, config.databaseUrl),
      settings: {
        region: config.region,
        codeTtlSeconds: config.codeTtlSeconds,
        retentionDays: config.retentionDays,
        federation: {
          role: config.role,
          hubUrl: config.hubUrl,
          hubKey: config.hubKey,
          syncMs: config.syncSeconds * 1000,
        },
      },
    });
    return {
      ...p,
      async close() {
        await p.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
