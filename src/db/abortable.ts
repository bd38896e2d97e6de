import type { CopyWriter, Db, Queryable } from './types.js';

function guard(q: Queryable, signal: AbortSignal): Queryable {
  return {
    query(sql, params) {
      signal.throwIfAborted();
      return q.query(sql, params);
    },
    exec(sql) {
      signal.throwIfAborted();
      return q.exec(sql);
    },
  };
}

/**
 * The same database, refusing every statement once `signal` is aborted: long work given this handle (the demo
 * build at start) stops at its next statement, its open transaction rolls back, and the caller closes the database.
 * close() is the caller's: this handle never closes the database.
 */
export function abortableDb(db: Db, signal: AbortSignal): Db {
  const g = guard(db, signal);
  return {
    engine: db.engine,
    schema: db.schema,
    query: g.query,
    exec: g.exec,
    transaction(fn) {
      signal.throwIfAborted();
      return db.transaction((tx) => fn(guard(tx, signal)));
    },
    async openCopy(table, columns): Promise<CopyWriter> {
      signal.throwIfAborted();
      const w = await db.openCopy(table, columns);
      return {
        write(lines) {
          signal.throwIfAborted();
          return w.write(lines);
        },
        end() {
          signal.throwIfAborted();
          return w.end();
        },
        abort: () => w.abort(),
      };
    },
    close: async () => undefined,
  };
}
