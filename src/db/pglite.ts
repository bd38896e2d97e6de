import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { quoteIdent } from './copy.js';
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
}

/** The embedded engine: PostgreSQL compiled to WASM, one connection, data directory on disk. */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball (PGlite's dumpDataDir), to start other instances from it. */
  dump(): Promise<Blob>;
}

export async function openPglite(opts: PgliteOptions = {}): Promise<PgliteDb> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pg = await PGlite.create(opts.dataDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  const schema = opts.schema ?? 'public';
  if (schema !== 'public') {
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}`);
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
      await pg.close();
    },
  };
}
