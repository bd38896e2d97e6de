import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { migrate } from './migrate.js';
import type { Db } from './types.js';

export interface OpenOptions {
  databaseUrl?: string | undefined; // PostgreSQL when set
  dataDir?: string | undefined; // PGlite data directory otherwise (undefined = in memory)
  schema?: string | undefined;
}

/** Opens the configured engine and brings its schema up to date. */
export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgres({ url: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) })
    : await openPglite({
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...(opts.schema ? { schema: opts.schema } : {}),
      });
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
