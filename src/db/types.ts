export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs parameterised SQL: the database itself or a transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A bulk loader into one table, fed with lines in PostgreSQL COPY text format (see copyLine). */
export interface CopyWriter {
  write(lines: string): Promise<void>;
  end(): Promise<void>;
  abort(): Promise<void>;
}

export type Engine = 'pglite' | 'postgres';

/** One schema, two engines: every capability talks to the database through this interface only. */
export interface Db extends Queryable {
  readonly engine: Engine;
  readonly schema: string;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  openCopy(table: string, columns: readonly string[]): Promise<CopyWriter>;
  close(): Promise<void>;
}
