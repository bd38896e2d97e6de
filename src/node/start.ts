import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { openPlatform } from './platform.js';
import { buildDemo, isEmpty } from '../demo/build.js';
import { buildServer } from '../http/server.js';
import { seedBaselineRuleSet } from '../healthcode/rulesets/store.js';
import { startWorkers, type Workers } from './workers.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface RunningNode {
  url: string;
  close(): Promise<void>;
}

/** Opens the database, builds the demo province on first start, and serves the HTTP API. */
export async function startNode(
  config: Config,
  out: (line: string) => void = (l) => console.log(l),
): Promise<RunningNode> {
  const platform = await openPlatform(config);
  const db = platform.db;
  let workers: Workers | undefined;
  try {
    await seedBaselineRuleSet(db, config.region);
    let demoLine: string | undefined;
    const empty = await isEmpty(db);
    if (config.demo && empty) {
      out(`Building the demo province (${config.demoPersons} residents)...  正在生成演示省份数据……`);
      const t0 = Date.now();
      const s = await buildDemo(platform, { persons: config.demoPersons }, config.dataDir);
      demoLine = `Demo province: ${s.departments} departments, ${s.datasets} datasets, ${s.records} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    }
    const app = await buildServer({
      platform,
      keyFile: platform.keyFile,
      logger: config.log,
      maxIngestBytes: config.maxIngestBytes,
      version: VERSION,
    });
    // Every background worker (node/workers.ts); the first code key and the node key are made here.
    workers = await startWorkers(platform);
    await app.listen({ host: config.host, port: config.port });
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
    return {
      url,
      async close() {
        await workers?.stop();
        await app.close();
        await platform.close();
      },
    };
  } catch (err) {
    await workers?.stop();
    await platform.close();
    throw err;
  }
}
