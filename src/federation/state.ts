// Small key/value state of the federation capability (pinned hub key, kept national list, watermarks).
import type { Queryable } from '../db/types.js';

export async function getState<T>(q: Queryable, name: string): Promise<T | undefined> {
  const res = await q.query<{ value: T }>('SELECT value FROM fed_state WHERE name = $1', [name]);
  return res.rows[0]?.value;
}

export async function setState(q: Queryable, name: string, value: unknown): Promise<void> {
  await q.query(
    `INSERT INTO fed_state (name, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now()`,
    [name, JSON.stringify(value)],
  );
}
