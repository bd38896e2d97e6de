// federation_events_per_s: cross-region events (confirmed cases of Beijing residents reported in Guangdong) carried
// from region A (440000) to region B (110000) between real node processes on loopback: produced from one committed
// ingest batch into A's outbox, signed, posted by A's sender loop, checked and applied by B's inbox. Timed from the
// ingest's answer (the batch is committed) until B's inbox holds all N (B's federation status, polled every 100 ms).
// federation_p50_ms / p99_ms: per message, B's fed_inbox.received_at − A's fed_outbox.created_at (both schemas on
// the same PostgreSQL server), or, without PostgreSQL, deliveredAt − createdAt from A's outbox API (newest 500).
// raw_post_per_s: the same number of JSON POSTs of a message's size to B's cheapest POST route (federation/notify,
// which refuses a body that is not a notice with a 400 after schema validation) from node:http with keep-alive and as many in flight as the sender posts per round (200), same run.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { newMessageId, sealFor, signMessage, type SignedMessage } from '../src/federation/protocol/index.js';
import { kidOfKey } from '../src/federation/protocol/shape.js';
import { generateCitizenId } from '../src/standard/index.js';
import { eventually, startCluster, type Cluster, type NodeProcess } from '../src/testing/cluster.js';

const A = '440000';
const B = '110000';
/** How many due messages deliverDue posts at once (its default limit): the raw baseline keeps as many in flight. */
const SENDER_CONCURRENCY = 200;
const POLL_MS = 100;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface FederationFigures {
  events: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  latencySource: 'db' | 'api';
  /** How many messages the latency percentiles are over (all N from the databases; at most 500 from the API). */
  latencySamples: number;
  rawPerSecond: number;
  messageBytes: number;
}

interface Status {
  trustList: { version?: number | null };
  peers: { region: string }[];
  outbox: { pending: number; delivered: number };
  inbox: { received: number };
}

async function api<T>(
  n: NodeProcess,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(n.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(600_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text for the error message */
  }
  return { status: res.status, body: parsed as T };
}

async function statusOf(n: NodeProcess): Promise<Status> {
  const r = await api<Status>(n, 'GET', '/api/v1/federation/status', n.adminToken);
  if (r.status !== 200) throw new Error(`${n.region} federation status: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const tokenOf = (n: NodeProcess, dept: string): string => {
  const t = (
    JSON.parse(readFileSync(join(n.dataDir, 'demo-credentials.json'), 'utf8')) as { tokens: Record<string, string> }
  ).tokens[dept];
  if (!t) throw new Error(`node ${n.region} has no demo token for ${dept}`);
  return t;
};

/** N confirmed cases of N distinct Beijing residents (birth dates vary, so the ID numbers are unique). */
function caseRows(n: number): Record<string, string>[] {
  const born = Date.UTC(1950, 0, 1);
  const reported = new Date(Date.now() - 3_600_000).toISOString();
  const stamp = Date.now().toString(36);
  return Array.from({ length: n }, (_, i) => {
    const birth = new Date(born + (i % 20_000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    return {
      case_id: `KB${stamp}${String(i).padStart(7, '0')}`,
      citizen_id: generateCitizenId('110105', birth, 100 + Math.floor(i / 20_000)),
      diagnosis: 'confirmed',
      report_time: reported,
      division_code: '440106',
    };
  });
}

/** A message as the sender posts it (a sealed ID number, a case's facts, an ES256 signature), for its size. */
function sampleMessage(): SignedMessage {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = newMessageId();
  return signMessage(
    {
      id,
      from: A,
      to: B,
      type: 'case',
      at: new Date().toISOString(),
      payload: {
        person: sealFor(publicKey, generateCitizenId('110105', '19900101', 1), id),
        diagnosis: 'confirmed',
        report_time: new Date().toISOString(),
      },
    },
    { kid: kidOfKey(privateKey), privateKey },
  );
}

function post(agent: Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `total` POSTs of `body` with `concurrency` in flight over keep-alive connections; every answer must be 202. */
async function rawPosts(url: URL, body: Buffer, total: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const run = async (count: number): Promise<number> => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(concurrency, count) }, async () => {
          while (next < count) {
            next += 1;
            const status = await post(agent, url, body);
            if (status !== 400) throw new Error(`raw POST ${url.pathname}: HTTP ${status}, expected 400`);
          }
        }),
      );
      return count / ((performance.now() - t0) / 1000);
    };
    // Warm-up (untimed): connections opened, the route and this client optimised (a cold run is several times slower).
    await run(Math.max(total, 2000));
    return await run(total);
  } finally {
    agent.destroy();
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** True when a PostgreSQL server answers at `url` within a few seconds. */
async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Latencies (ms) of the messages A created since `since` and B received, from both schemas (one server). */
async function dbLatencies(url: string, a: NodeProcess, b: NodeProcess, since: Date): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ ms: number }>(
      `SELECT extract(epoch FROM (i.received_at - o.created_at)) * 1000 AS ms
         FROM "${a.schema}".fed_outbox o JOIN "${b.schema}".fed_inbox i ON i.id = o.id
        WHERE o.to_region = $1 AND o.type = 'case' AND o.created_at >= $2`,
      [B, since],
    );
    return r.rows.map((x) => Number(x.ms));
  } finally {
    await c.end();
  }
}

/** Latencies (ms) from A's outbox API: deliveredAt − createdAt of the newest (at most 500) delivered case messages. */
async function apiLatencies(a: NodeProcess, since: number): Promise<number[]> {
  const r = await api<{ items: { to: string; type: string; createdAt: string; deliveredAt: string | null }[] }>(
    a,
    'GET',
    '/api/v1/federation/outbox?limit=500',
    a.adminToken,
  );
  if (r.status !== 200) throw new Error(`${a.region} outbox: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items
    .filter((m) => m.to === B && m.type === 'case' && m.deliveredAt !== null && Date.parse(m.createdAt) >= since)
    .map((m) => Date.parse(m.deliveredAt!) - Date.parse(m.createdAt));
}

async function nowOn(url: string): Promise<Date> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  } finally {
    await c.end();
  }
}

export async function benchFederation(n = Number(process.env.BENCH_EVENTS ?? 5000)): Promise<FederationFigures> {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BENCH_EVENTS must be a positive integer, not ${process.env.BENCH_EVENTS}`);
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const onDb = await reachable(url);
  const before = process.env.TEST_DATABASE_URL;
  // The harness gives each node its own schema on TEST_DATABASE_URL; without it the nodes run on PGlite.
  if (onDb) process.env.TEST_DATABASE_URL = url;
  else delete process.env.TEST_DATABASE_URL;
  let cluster: Cluster | undefined;
  let measured = false;
  try {
    cluster = await startCluster([A, B], { syncSeconds: 5, persons: 40 });
    const a = cluster.regions[A]!;
    const b = cluster.regions[B]!;
    for (const node of [a, b]) {
      await eventually(
        async () => {
          const s = await statusOf(node);
          if (!((s.trustList.version ?? 0) >= 1))
            throw new Error(`no national list yet: ${JSON.stringify(s.trustList)}`);
          const peers = s.peers
            .map((p) => p.region)
            .sort()
            .join(',');
          if (peers !== [B, A].sort().join(',')) throw new Error(`peers ${peers}`);
        },
        { what: `${node.region} has the national trust list`, timeoutMs: 120_000 },
      );
    }
    // Whatever the demos produce on their own (risk areas sent to every region) is delivered before anything is timed.
    await eventually(
      async () => {
        const s = await statusOf(a);
        if (s.outbox.pending !== 0) throw new Error(`${s.outbox.pending} pending`);
      },
      { what: `${A}'s outbox is empty`, timeoutMs: 120_000 },
    );

    // The raw baseline first, while B is idle: N POSTs of a message's size to B's cheapest POST route.
    const message = Buffer.from(JSON.stringify(sampleMessage()));
    const rawPerSecond = await rawPosts(new URL('/api/v1/federation/notify', b.url), message, n, SENDER_CONCURRENCY);

    const base = (await statusOf(b)).inbox.received;
    const rows = caseRows(n);
    const since = onDb ? await nowOn(url) : new Date();
    const ingest = await api<{ status: string; inserted: number; rowsRejected: number; rejected: unknown[] }>(
      a,
      'POST',
      '/api/v1/datasets/case-reports/records',
      tokenOf(a, 'gd-cdc'),
      rows,
    );
    const t0 = performance.now();
    if (ingest.status !== 200 || ingest.body.inserted !== n) {
      throw new Error(`ingest at ${A}: HTTP ${ingest.status}, ${JSON.stringify(ingest.body).slice(0, 1000)}`);
    }
    const deadline = t0 + 60_000 + n * 50;
    let received = base;
    for (;;) {
      const polled = performance.now();
      received = (await statusOf(b)).inbox.received;
      if (received - base >= n) break;
      if (performance.now() > deadline) {
        const s = await statusOf(a);
        throw new Error(
          `only ${received - base} of ${n} events reached ${B} in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${A}'s outbox: ${JSON.stringify(s.outbox)}`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - polled))));
    }
    const seconds = (performance.now() - t0) / 1000;
    if (received - base !== n) throw new Error(`${B} received ${received - base} messages, expected ${n}`);

    let latencies: number[];
    if (onDb) {
      latencies = await dbLatencies(url, a, b, since);
      if (latencies.length !== n)
        throw new Error(`found ${latencies.length} latencies in the databases, expected ${n}`);
    } else {
      latencies = await apiLatencies(a, since.getTime() - 1000);
      if (latencies.length === 0) throw new Error(`${A}'s outbox API lists none of the delivered messages`);
    }
    latencies.sort((x, y) => x - y);
    measured = true;
    return {
      events: n,
      perSecond: n / seconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      latencySource: onDb ? 'db' : 'api',
      latencySamples: latencies.length,
      rawPerSecond,
      messageBytes: message.length,
    };
  } finally {
    try {
      await cluster?.stop();
    } catch (err) {
      // The nodes are gone either way (killed, schemas dropped). Once the figures are in, an unclean stop is
      // reported without discarding them; before that, it would only hide the error that ended the run.
      const what =
        err instanceof AggregateError
          ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('\n')
          : String(err);
      console.error(
        `federation bench: ${measured ? 'warning: ' : ''}stopping the cluster failed: ${what.slice(0, 4000)}`,
      );
    } finally {
      if (before === undefined) delete process.env.TEST_DATABASE_URL;
      else process.env.TEST_DATABASE_URL = before;
    }
  }
}
