import { createHmac } from 'node:crypto';
import type { Platform } from '../platform/platform.js';

/**
 * Failed authentications, counted in memory per source address and minute and written to the ledger as ONE
 * `auth.failed` entry per source and minute when that minute has closed (or at shutdown). An entry names the
 * route template (never the raw path, which can hold an ID number), and the source only as a keyed hash of its
 * address (addresses are personal information under PIPL). Its size is bounded whatever a client sends.
 */
export interface AuthFailedDetail {
  /** Keyed hash (HMAC-SHA256 under the node's index key, 16 hex digits) of the client address. */
  source: string;
  /** The minute the failures fell in, ISO 8601 UTC (`2026-12-03T12:34:00.000Z`). */
  minute: string;
  /** Failed authentications from that source in that minute (including those refused with 429). */
  count: number;
  /** Per method and route template, at most MAX_ROUTES of them; the rest are summed under route `*`. */
  routes: { method: string; route: string; count: number }[];
}

const MINUTE = 60_000;
/** Distinct routes kept per source and minute; more are summed under `*`. */
export const MAX_ROUTES = 10;
/** Distinct sources kept per minute (so at most this many entries a minute); more are summed under `overflow`. */
export const MAX_SOURCES = 100;

/**
 * The client a failure is counted against: an IPv4 address as it is, an IPv6 address by its /64 (one host commonly
 * holds a whole /64, so counting single addresses would let it spread its attempts over 2^64 of them).
 */
export function clientOf(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

interface Bucket {
  count: number;
  routes: Map<string, number>;
}

export class FailedAuthLog {
  /** minute (ms) → source hash → bucket */
  readonly #minutes = new Map<number, Map<string, Bucket>>();
  readonly #platform: Platform;
  readonly #timer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    platform: Platform,
    readonly onError: (err: unknown) => void = () => undefined,
    now: () => number = Date.now,
  ) {
    this.#platform = platform;
    this.now = now;
    this.#timer = setInterval(() => void this.flush(false), 5_000);
    this.#timer.unref();
  }

  readonly now: () => number;

  /** The keyed hash of a client address that entries name. */
  sourceOf(address: string): string {
    return createHmac('sha256', this.#platform.ring.indexKey)
      .update(`govshare/auth.failed/source\0${address}`)
      .digest('hex')
      .slice(0, 16);
  }

  /** Counts one failed authentication. `route` is the route template (undefined when no route matched). */
  record(address: string, method: string, route: string | undefined): void {
    const minute = Math.floor(this.now() / MINUTE) * MINUTE;
    let sources = this.#minutes.get(minute);
    if (!sources) this.#minutes.set(minute, (sources = new Map()));
    let source = this.sourceOf(address);
    if (!sources.has(source) && sources.size >= MAX_SOURCES) source = 'overflow';
    let bucket = sources.get(source);
    if (!bucket) sources.set(source, (bucket = { count: 0, routes: new Map() }));
    bucket.count += 1;
    let key = `${method} ${route ?? '(no route)'}`;
    if (!bucket.routes.has(key) && bucket.routes.size >= MAX_ROUTES) key = '* *';
    bucket.routes.set(key, (bucket.routes.get(key) ?? 0) + 1);
  }

  /** Writes the closed minutes (all of them when `all`, at shutdown); resolves once they are durable. */
  flush(all: boolean): Promise<void> {
    const current = Math.floor(this.now() / MINUTE) * MINUTE;
    const due = [...this.#minutes.keys()].filter((m) => all || m < current).sort((a, b) => a - b);
    const entries: AuthFailedDetail[] = [];
    for (const m of due) {
      for (const [source, b] of this.#minutes.get(m)!) {
        const routes = [...b.routes].map(([k, count]) => {
          const i = k.indexOf(' ');
          return { method: k.slice(0, i), route: k.slice(i + 1), count };
        });
        entries.push({ source, minute: new Date(m).toISOString(), count: b.count, routes });
      }
      this.#minutes.delete(m);
    }
    const audit = this.#platform.audit;
    this.#writing = this.#writing.then(async () => {
      for (const detail of entries) {
        await audit
          .append({ action: 'auth.failed', outcome: 'denied', actor: { kind: 'anonymous' }, detail: { ...detail } })
          .catch(this.onError);
      }
    });
    return this.#writing;
  }

  /** Stops the timer and writes everything counted so far. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush(true);
  }
}
