import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { quoteIdent } from './copy.js';
import { lockDataDir, type DirLock } from './lock.js';
import type { CopyWriter, Db, QueryResult, Queryable } from './types.js';

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const res = await q.query<R>(sql, params as unknown[] | undefined);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  };
}

export interface PgliteOptions {
  dataDir?: string; // undefined = in memory
  schema?: string;
  loadDataDir?: Blob;
  /** What the lock file names as the holder's command (default: the command line's command words). */
  lockCommand?: string;
}

/** The embedded engine: PostgreSQL compiled to WASM, one connection, data directory on disk. */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball (PGlite's dumpDataDir), to start other instances from it. */
  dump(): Promise<Blob>;
}

/** Opens PGlite; a data directory on disk is locked (db/lock.ts) until close, so no second process opens it. */
export async function openPglite(opts: PgliteOptions = {}): Promise<PgliteDb> {
  let lock: DirLock | undefined;
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    lock = lockDataDir(opts.dataDir, opts.lockCommand);
  }
  let pg: PGlite;
  const schema = opts.schema ?? 'public';
  try {
    pg = await PGlite.create(opts.dataDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
    if (schema !== 'public') {
      await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}`);
    }
  } catch (err) {
    lock?.release();
    throw err;
  }
  const base = wrap(pg);
  return {
    engine: 'pglite',
    schema,
    query: base.query,
    exec: base.exec,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async openCopy(table: string, columns: readonly string[]): Promise<CopyWriter> {
      const sql = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`;
      return {
        async write(lines: string) {
          if (lines.length === 0) return;
          await pg.query(sql, [], { blob: new Blob([lines]) });
        },
        async end() {},
        async abort() {},
      };
    },
    dump: async () => (await pg.dumpDataDir('none')) as Blob,
    async close() {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        lock?.release();
      }
    },
  };
}
