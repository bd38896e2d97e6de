// Per-process caches of the code-signing keys and the trust list, keyed by database (several platforms over one
// database share them). A change made in this process bumps the generation, which drops every cache at once;
// a change made by another process is seen when the short cache lifetime runs out.
import type { Queryable } from '../../db/types.js';

const generations = new WeakMap<Queryable, number>();

export const generationOf = (db: Queryable): number => generations.get(db) ?? 0;

/** Drops this process's cached code keys and trust list for the database (after a rotation or revocation). */
export function codeKeysChanged(db: Queryable): void {
  generations.set(db, generationOf(db) + 1);
}

interface Entry<T> {
  generation: number;
  at: number;
  until: number;
  value: Promise<T>;
}

/**
 * A promise cached per database until `until` (ms) or the next generation. A rejected load is not kept.
 * `load` returns the value and how long it may be kept.
 */
export class DbCache<T> {
  private readonly entries = new WeakMap<Queryable, Entry<T>>();

  get(db: Queryable, load: () => Promise<{ value: T; until: number }>, now = Date.now()): Promise<T> {
    const gen = generationOf(db);
    const hit = this.entries.get(db);
    if (hit && hit.generation === gen && now < hit.until) return hit.value;
    const entry: Entry<T> = {
      generation: gen,
      at: now,
      until: Number.POSITIVE_INFINITY,
      value: Promise.resolve(undefined as T),
    };
    entry.value = load().then(
      (r) => {
        entry.until = r.until;
        return r.value;
      },
      (err: unknown) => {
        if (this.entries.get(db) === entry) this.entries.delete(db);
        throw err;
      },
    );
    this.entries.set(db, entry);
    return entry.value;
  }

  /** When the cached value was loaded (ms), if there is one. */
  loadedAt(db: Queryable): number | undefined {
    const hit = this.entries.get(db);
    return hit && hit.generation === generationOf(db) ? hit.at : undefined;
  }

  drop(db: Queryable): void {
    this.entries.delete(db);
  }
}
