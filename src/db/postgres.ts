import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent } from './copy.js';
import type { CopyWriter, Db, QueryResult, Queryable } from './types.js';

// int8 and numeric come back as numbers (counts and versions fit); dates stay as they are.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async exec(sql: string) {
      await q.query(sql);
    },
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const res = await q.query(sql, params);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
    },
  };
}

export interface PostgresOptions {
  url: string;
  schema?: string;
  max?: number;
}

/** The production engine: a PostgreSQL 15+ server through a connection pool. */
export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const schema = opts.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 20,
    ...(schema !== 'public' ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
  });
  pool.on('error', () => {
    /* idle client errors are retried on next use */
  });
  if (schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const base = wrap(pool);
  return {
    engine: 'postgres',
    schema,
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async openCopy(table: string, columns: readonly string[]): Promise<CopyWriter> {
      const client = await pool.connect();
      const stream = client.query(
        copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`),
      );
      let failure: Error | undefined;
      let released = false;
      const release = (err?: Error) => {
        if (!released) {
          released = true;
          client.release(err);
        }
      };
      const done = new Promise<void>((resolve, reject) => {
        stream.on('finish', () => resolve());
        stream.on('error', (err: Error) => {
          failure = err;
          reject(err);
        });
      });
      done.catch(() => undefined);
      return {
        async write(lines: string) {
          if (failure) throw failure;
          if (!stream.write(lines)) {
            await new Promise<void>((resolve, reject) => {
              stream.once('drain', resolve);
              done.catch(reject);
            });
          }
        },
        async end() {
          stream.end();
          try {
            await done;
            release();
          } catch (err) {
            release(err as Error);
            throw err;
          }
        },
        async abort() {
          // Destroying the stream makes the server abort the COPY; the connection is discarded.
          stream.destroy(new Error('copy aborted'));
          await done.catch(() => undefined);
          release(new Error('copy aborted'));
        },
      };
    },
    async close() {
      await pool.end();
    },
  };
}
