// Real govshare node processes for tests: `govshare start` run from the TypeScript sources as separate processes,
// each with its own temp data directory and (when TEST_DATABASE_URL is set) its own PostgreSQL schema, restartable
// on the same port with the same data. startCluster builds a federation: a hub and region nodes registered at it.
// 测试用的真实节点进程：每个节点独立的数据目录（或 PostgreSQL 模式），可在同一端口上重启。
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../db/postgres.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../cli/bin.ts', import.meta.url));

/** How long a node may take to print its "listening on" line (a fresh PGlite node with a demo takes ~6 s). */
const START_TIMEOUT_MS = 120_000;
/** How long a node may take to exit after SIGTERM before it is killed and stop() fails. */
const STOP_TIMEOUT_MS = 60_000;
/** The hub's region: the nation. */
export const HUB_REGION = '100000';

export type NodeRole = 'hub' | 'region' | 'standalone';

export interface NodeProcess {
  region: string;
  role: NodeRole;
  /** http://127.0.0.1:<port>, the same over restarts. */
  url: string;
  port: number;
  /** The demo administrator's token ('' when the node runs without the demo). */
  adminToken: string;
  dataDir: string;
  /** The PostgreSQL schema when the node runs on TEST_DATABASE_URL, else undefined (PGlite in dataDir). */
  schema: string | undefined;
  /** Everything the node printed on stdout and stderr, over all its runs. */
  logs(): string;
  /** The running process's pid, undefined while stopped. */
  pid(): number | undefined;
  /** SIGTERM, then wait for the exit; fails (after killing it) when it does not exit in time or exits non-zero. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data (the demo is not rebuilt: the database is not empty). */
  start(): Promise<void>;
  /** Stops it (SIGTERM, else SIGKILL), drops its schema and removes its data directory. Idempotent. */
  destroy(): Promise<void>;
}

export interface NodeSpec {
  region: string;
  role?: NodeRole;
  hubUrl?: string;
  syncSeconds?: number;
  /** Demo residents (default 50); 0 starts without the demo (--no-demo). */
  persons?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
}

export interface Cluster {
  hub: NodeProcess;
  regions: Record<string, NodeProcess>;
  /** Stops every node, drops their schemas and removes their data directories. */
  stop(): Promise<void>;
}

// Settings the test runner's environment must not pass on to a node: the flags decide.
const SCRUBBED_ENV = [
  'DATABASE_URL',
  'GOVSHARE_DB_SCHEMA',
  'GOVSHARE_DATA_DIR',
  'GOVSHARE_FIELD_KEYS',
  'GOVSHARE_DEMO',
  'GOVSHARE_DEMO_PERSONS',
  'GOVSHARE_REGION',
  'GOVSHARE_ROLE',
  'GOVSHARE_HUB_URL',
  'GOVSHARE_SYNC_SECONDS',
  'GOVSHARE_FEDERATION_CONFIG',
  'GOVSHARE_LOG',
  'GOVSHARE_TOKEN',
  'GOVSHARE_URL',
  'HOST',
  'PORT',
  'NODE_TEST_CONTEXT',
];

// Every node process this process started and not yet destroyed: killed (and their temp dirs removed) if this
// process exits or is signalled without cleaning up, so a failed or cancelled test never leaves orphans.
const live = new Set<{ child(): ChildProcess | undefined; dataDir: string }>();
let hooked = false;

function hookCleanup(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const n of live) {
      const c = n.child();
      if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      rmSync(n.dataDir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      // If nobody else handles the signal, do what Node would have done without this handler: die by it.
      if (process.listenerCount(sig) === 1) {
        process.off(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

const tail = (s: string, n = 6000): string => (s.length > n ? `...${s.slice(-n)}` : s);

async function dropSchema(url: string, schema: string): Promise<void> {
  const db = await openPostgres({ url, max: 1 });
  try {
    await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await db.close();
  }
}

/** Starts `govshare start` as a separate process on its own temp data (dir, and schema on TEST_DATABASE_URL). */
export async function startNodeProcess(spec: NodeSpec): Promise<NodeProcess> {
  hookCleanup();
  const role = spec.role ?? 'standalone';
  const persons = spec.persons ?? 50;
  const dataDir = mkdtempSync(join(tmpdir(), `govshare-node-${spec.region}-`));
  const databaseUrl = process.env.TEST_DATABASE_URL || undefined;
  const schema = databaseUrl ? `c_${randomBytes(6).toString('hex')}` : undefined;

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED_ENV.includes(k)) env[k] = v;
  Object.assign(env, spec.env ?? {});

  const baseArgs = (port: number): string[] => [
    '--import',
    'tsx',
    BIN,
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--region',
    spec.region,
    ...(databaseUrl && schema ? ['--database-url', databaseUrl, '--db-schema', schema] : []),
    // The demo only when asked: on PostgreSQL it is never built by default.
    ...(persons > 0 ? ['--demo', '--persons', String(persons)] : ['--no-demo']),
    // Only federated nodes get the federation flags, so a standalone node runs on any version of `start`.
    ...(role !== 'standalone' ? ['--role', role] : []),
    ...(spec.hubUrl ? ['--hub', spec.hubUrl] : []),
    ...(spec.syncSeconds !== undefined ? ['--sync-seconds', String(spec.syncSeconds)] : []),
    ...(spec.extraArgs ?? []),
  ];

  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let destroyed = false;
  const entry = { child: () => child, dataDir };
  live.add(entry);

  const running = (): boolean => !!child && child.exitCode === null && child.signalCode === null;

  /** Spawns the process and resolves with its URL once it prints "listening on"; on failure it is killed. */
  const launch = (): Promise<string> => {
    if (running()) return Promise.reject(new Error(`node ${spec.region} is already running (pid ${child!.pid})`));
    if (destroyed) return Promise.reject(new Error(`node ${spec.region} was destroyed`));
    const args = baseArgs(port);
    if (output) output += `\n--- restart on port ${port} ---\n`;
    output += `$ node ${args.slice(2).join(' ')}\n`;
    const c = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.stdout!.setEncoding('utf8');
    c.stderr!.setEncoding('utf8');
    return new Promise<string>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, url?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
          void exited.then(() => reject(err));
        } else resolve(url!);
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `node ${spec.region} (${role}) did not print "listening on" within ${START_TIMEOUT_MS / 1000} s; its output:\n${tail(output)}`,
            ),
          ),
        START_TIMEOUT_MS,
      );
      // Only a whole line counts: a chunk may end in the middle of the URL.
      const started = output.length;
      const onData = (d: string): void => {
        output += d;
        const m = /listening on (http:\/\/\S+)[^\n]*\n/.exec(output.slice(started));
        if (m) finish(undefined, m[1]!);
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('error', (err) =>
        finish(new Error(`node ${spec.region}: could not spawn: ${err.message}\n${tail(output)}`)),
      );
      c.once('exit', (code, signal) => {
        output += `\n--- exited (${signal ?? `code ${code}`}) ---\n`;
        finish(
          new Error(
            `node ${spec.region} (${role}) exited (${signal ?? `code ${code}`}) before listening; its output:\n${tail(output)}`,
          ),
        );
      });
    });
  };

  const stopWith = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const c = child;
    if (!c || !running()) return exited;
    c.kill(signal);
    if (signal === 'SIGKILL') return exited;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      c.kill('SIGKILL');
      await exited;
      throw new Error(
        `node ${spec.region} (${role}) did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM (killed); its output:\n${tail(output)}`,
      );
    }
    // Exit 0 is a clean stop; dying by the SIGTERM itself happens when it arrives before the node installed its
    // handler (right after "listening on"), which is Node's default and not a failure of the node.
    if (c.exitCode !== 0 && c.signalCode !== 'SIGTERM') {
      throw new Error(
        `node ${spec.region} (${role}) exited ${c.exitCode ?? c.signalCode} on SIGTERM; its output:\n${tail(output)}`,
      );
    }
  };

  const cleanup = async (): Promise<void> => {
    live.delete(entry);
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
  };

  let url: string;
  try {
    url = await launch();
  } catch (err) {
    destroyed = true;
    await cleanup();
    throw err;
  }
  port = Number(new URL(url).port);
  let adminToken = '';
  if (persons > 0) {
    const file = join(dataDir, 'demo-credentials.json');
    try {
      const creds = JSON.parse(readFileSync(file, 'utf8')) as {
        adminDepartment: string;
        tokens: Record<string, string>;
      };
      adminToken = creds.tokens[creds.adminDepartment] ?? '';
    } catch (err) {
      await stopWith('SIGKILL');
      destroyed = true;
      await cleanup();
      throw new Error(
        `node ${spec.region}: no demo credentials in ${file} (${(err as Error).message}); its output:\n${tail(output)}`,
      );
    }
    if (!adminToken) {
      await stopWith('SIGKILL');
      destroyed = true;
      await cleanup();
      throw new Error(
        `node ${spec.region}: the demo credentials have no administrator token; its output:\n${tail(output)}`,
      );
    }
  }

  return {
    region: spec.region,
    role,
    url,
    port,
    adminToken,
    dataDir,
    schema,
    logs: () => output,
    pid: () => (running() ? child!.pid : undefined),
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    async start() {
      const again = await launch();
      if (again !== url) throw new Error(`node ${spec.region} came back on ${again}, not ${url}`);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        await stopWith('SIGTERM');
      } catch {
        /* killed after the timeout; the data goes anyway */
      } finally {
        await cleanup();
      }
    },
  };
}

/** Registers a region node at the hub (POST /api/v1/federation/regions with the hub's admin token). */
export async function registerRegion(
  hub: NodeProcess,
  node: Pick<NodeProcess, 'region' | 'url'> & Partial<Pick<NodeProcess, 'logs'>>,
): Promise<void> {
  const what = `registering region ${node.region} (${node.url}) at the hub ${hub.url}`;
  const logs = (): string =>
    `\nthe hub's output:\n${tail(hub.logs(), 3000)}${node.logs ? `\nthe region's output:\n${tail(node.logs(), 3000)}` : ''}`;
  let res: Response;
  try {
    res = await fetch(`${hub.url}/api/v1/federation/regions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: node.region, url: node.url }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}${logs()}`, { cause: err });
  }
  if (res.status !== 201) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}${logs()}`);
}

/** A hub (region 100000) and region nodes, each registered at the hub. */
export async function startCluster(
  regions: string[],
  opts: { syncSeconds?: number; persons?: number } = {},
): Promise<Cluster> {
  const started: NodeProcess[] = [];
  const destroyAll = async (): Promise<void> => {
    const results = await Promise.allSettled(started.map((n) => n.destroy()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length)
      throw new AggregateError(
        failed.map((f) => f.reason),
        'stopping the cluster failed',
      );
  };
  try {
    const hub = await startNodeProcess({
      region: HUB_REGION,
      role: 'hub',
      syncSeconds: opts.syncSeconds,
      persons: opts.persons,
    });
    started.push(hub);
    const results = await Promise.allSettled(
      regions.map((region) =>
        startNodeProcess({
          region,
          role: 'region',
          hubUrl: hub.url,
          syncSeconds: opts.syncSeconds,
          persons: opts.persons,
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = results.map((r) => (r as PromiseFulfilledResult<NodeProcess>).value);
    for (const node of nodes) await registerRegion(hub, node);
    return {
      hub,
      regions: Object.fromEntries(nodes.map((n) => [n.region, n])),
      async stop() {
        // Stop every node first (each stop waits for its exit), then report any unclean stop.
        const stops = await Promise.allSettled(started.map((n) => n.stop()));
        await destroyAll();
        const failed = stops.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length)
          throw new AggregateError(
            failed.map((f) => f.reason),
            'a node did not stop cleanly',
          );
      },
    };
  } catch (err) {
    await destroyAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Polls `check` until it returns without throwing (a failed assertion counts as "not yet"), and returns its value;
 * after `timeoutMs` fails with the last error. For waits on sync loops and message delivery: a guard, not a timing
 * assertion, so give it ample time (several sync intervals).
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(
          `${opts.what ?? 'condition'} not reached within ${timeoutMs / 1000} s: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
