import { readFileSync } from 'node:fs';
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
    if (config.demo && (await isEmpty(db))) {
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
    out(`  API docs  接口文档   ${url}/docs   (OpenAPI: ${url}/openapi.json)`);
    out(`  Health    健康检查   ${url}/healthz  ${url}/readyz`);
    const credentials = `${config.dataDir}/demo-credentials.json`;
    try {
      const c = JSON.parse(readFileSync(credentials, 'utf8')) as {
        adminDepartment: string;
        tokens: Record<string, string>;
        healthSamples?: Record<string, string>;
      };
      out(`  Demo credentials 演示凭据: ${credentials}`);
      out(`    admin (${c.adminDepartment}) token: ${c.tokens[c.adminDepartment] ?? '?'}`);
      out(`    try: GOVSHARE_TOKEN=<token> npx govshare catalog list`);
      const samples = Object.entries(c.healthSamples ?? {}).map(([colour, id]) => `${colour} ${id}`);
      if (samples.length)
        out(
          `    health codes 健康码: ${samples.join(', ')}  (npx govshare health status <id>; npx govshare code issue <id>)`,
        );
    } catch {
      /* no demo credentials on this node */
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
