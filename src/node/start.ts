import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { openPlatform } from './platform.js';
import { buildDemo, isEmpty, resetData } from '../demo/build.js';
import { clearDemoBuilding, demoInterrupted, markDemoBuilding } from '../demo/marker.js';
import { abortableDb } from '../db/abortable.js';
import { checkPortFree, listenError } from './port.js';
import { buildServer } from '../http/server.js';
import { seedBaselineRuleSet } from '../healthcode/rulesets/store.js';
import { startWorkers, type Workers } from './workers.js';
import { scrubPersonal } from '../core/redact.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface RunningNode {
  url: string;
  /** Stops accepting, waits for in-flight requests and the workers, then closes the database (no bound: tests). */
  close(): Promise<void>;
  /**
   * The bounded stop: stops accepting and drains in-flight requests and workers for up to `boundMs`; past it,
   * the remaining connections are cut and the database gets a short grace to close. 'drained' when everything
   * finished in time, 'forced' when the bound cut something short.
   */
  shutdown(boundMs: number): Promise<'drained' | 'forced'>;
}

export interface StartOptions {
  /** Aborted (SIGTERM, SIGINT) before the node listens: start-up stops at its next step and everything closes. */
  signal?: AbortSignal;
}

/** How long the database may take to close once a drain was cut short (an interrupted transaction may hold it). */
const CLOSE_GRACE_MS = 2_000;

function within<T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false }> {
  if (!Number.isFinite(ms)) return p.then((value) => ({ ok: true as const, value }));
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then((value) => ({ ok: true as const, value })),
    new Promise<{ ok: false }>((r) => (timer = setTimeout(() => r({ ok: false }), Math.max(0, ms)))),
  ]).finally(() => clearTimeout(timer));
}

/** Opens the database, builds the demo province on first start, and serves the HTTP API. */
export async function startNode(
  config: Config,
  out: (line: string) => void = (l) => console.log(l),
  opts: StartOptions = {},
): Promise<RunningNode> {
  const signal = opts.signal ?? new AbortController().signal;
  // Opening takes the data directory's lock (db/lock.ts) first: a second node on the same directory is told who holds it.
  const platform = await openPlatform(config);
  const db = platform.db;
  let workers: Workers | undefined;
  try {
    signal.throwIfAborted();
    // A busy port is reported now, before the demo build or any long work (a port of 0 is any free one).
    await checkPortFree(config.host, config.port);
    await seedBaselineRuleSet(db, config.region);
    let demoLine: string | undefined;
    // A build cut short (SIGTERM, a crash) left the marker (demo/marker.ts): its partial province is redone.
    const interrupted = demoInterrupted(config.dataDir);
    if (interrupted && !config.demo)
      out(
        `  Warning: an interrupted demo build left partial data in this database; start with the demo to rebuild it, or run govshare demo --reset`,
      );
    const empty = await isEmpty(db);
    if (config.demo && (interrupted || empty)) {
      if (interrupted) {
        out(`The last demo build was interrupted; building it again...  上次演示数据生成被中断，正在重新生成……`);
        await resetData(db);
      }
      out(`Building the demo province (${config.demoPersons} residents)...  正在生成演示省份数据……`);
      const t0 = Date.now();
      markDemoBuilding(config.dataDir);
      // Through a handle that refuses every statement once the signal is aborted: SIGTERM stops the build.
      const s = await buildDemo(
        { ...platform, db: abortableDb(db, signal) },
        { persons: config.demoPersons },
        config.dataDir,
      );
      clearDemoBuilding(config.dataDir);
      demoLine = `Demo province: ${s.departments} departments, ${s.datasets} datasets, ${s.records} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    }
    signal.throwIfAborted();
    const app = await buildServer({
      platform,
      keyFile: platform.keyFile,
      logger: config.log,
      maxIngestBytes: config.maxIngestBytes,
      version: VERSION,
    });
    // Every background worker (node/workers.ts); the first code key and the node key are made here.
    workers = await startWorkers(platform, {
      // A background failure is never silent: one line on stderr (scrubbed of ID and mobile numbers).
      onError: (worker, err) =>
        process.stderr.write(
          scrubPersonal(
            `${JSON.stringify({ level: 'error', time: new Date().toISOString(), worker, err: err instanceof Error ? { type: err.name, message: err.message, code: (err as { code?: unknown }).code } : String(err) })}\n`,
          ),
        ),
    });
    signal.throwIfAborted();
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      await app.close();
      throw listenError(err, config.host, config.port);
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    out(
      `govshare ${VERSION} listening on ${url}  (${db.engine === 'pglite' ? `embedded PGlite, data in ${config.dataDir}` : 'PostgreSQL'})`,
    );
    if (config.role !== 'standalone')
      out(
        `  Federation 联邦: ${config.role} for region ${config.region}${config.hubUrl ? `, hub ${config.hubUrl}` : ''}`,
      );
    if (demoLine) out(demoLine);
    else if (empty)
      out(
        '  No department yet: run `govshare init` (same database options) to create the administrator.  尚无部门：请运行 govshare init 创建管理员。',
      );
    out(`  API docs  接口文档   ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
    out(`  Health    健康检查   ${url}/healthz  ${url}/readyz`);
    // The banner goes to stdout, which is the log under a service manager: it names the credentials file (mode
    // 0600) and never prints a token or an ID number.
    const credentials = `${config.dataDir}/demo-credentials.json`;
    if (existsSync(credentials)) {
      out(`  Demo credentials 演示凭据: ${credentials}  (readable only by this user 仅本用户可读)`);
      out(`    every department's API token (the administrator: "adminDepartment"), sample residents, healthSamples`);
      out(`    try: GOVSHARE_TOKEN=<a token from that file> npx govshare catalog list`);
    }
    const running = workers;
    let stopping: Promise<'drained' | 'forced'> | undefined;
    const shutdown = (boundMs: number): Promise<'drained' | 'forced'> =>
      (stopping ??= (async () => {
        // app.close() stops accepting at once, answers 503 on kept-alive connections and waits for in-flight requests.
        const drain = await within(Promise.allSettled([running.stop(), app.close()]), boundMs);
        if (!drain.ok) app.server.closeAllConnections();
        const closed = await within(platform.close(), drain.ok ? Infinity : CLOSE_GRACE_MS);
        return drain.ok && closed.ok ? 'drained' : 'forced';
      })());
    return {
      url,
      shutdown,
      async close() {
        await shutdown(Infinity);
      },
    };
  } catch (err) {
    await workers?.stop();
    await platform.close();
    throw err;
  }
}
