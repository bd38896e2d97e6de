// `npm run federation:demo`: a national hub and three region nodes on loopback, each with its own PGlite data in
// ./data/federation/<region> and a small demo province, the regions registered at the hub. Runs until Ctrl-C.
// 联邦演示：在本机启动国家枢纽与广东、北京、上海三个区域节点，并在枢纽登记各区域；按 Ctrl-C 停止。
/* global setTimeout, clearTimeout, fetch, AbortSignal */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'govshare.js');
const PERSONS = 2000;
const START_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 30_000;

const NODES = [
  { key: 'hub', region: '100000', role: 'hub', port: 8090, zh: '国家枢纽', en: 'National hub' },
  { key: 'gd', region: '440000', role: 'region', port: 8091, zh: '广东', en: 'Guangdong' },
  { key: 'bj', region: '110000', role: 'region', port: 8092, zh: '北京', en: 'Beijing' },
  { key: 'sh', region: '310000', role: 'region', port: 8093, zh: '上海', en: 'Shanghai' },
];
const HUB_URL = `http://127.0.0.1:${NODES[0].port}`;

// The nodes are configured by their flags only: settings in this shell (a DATABASE_URL, say) must not reach them.
const SCRUBBED = [
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
  'HOST',
  'PORT',
];
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.includes(k)));

if (!existsSync(join(ROOT, 'dist', 'cli', 'bin.js'))) {
  console.error(
    'govshare is not built: run `npm ci` (or `npm run build`) first.  尚未构建：请先运行 npm ci 或 npm run build。',
  );
  process.exit(1);
}

let stopping = false;

/** Starts one node; resolves with its URL when it prints "listening on". Its output is shown with a prefix. */
function startNode(n) {
  n.dataDir = join(ROOT, 'data', 'federation', n.region);
  n.reused = existsSync(n.dataDir);
  n.output = '';
  const args = [
    BIN,
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(n.port),
    '--data-dir',
    n.dataDir,
    '--persons',
    String(PERSONS),
    '--region',
    n.region,
    '--role',
    n.role,
    ...(n.role === 'region' ? ['--hub', HUB_URL] : []),
  ];
  // Own process group: a Ctrl-C in the terminal reaches only this script, which then stops each node once, cleanly.
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  n.child = child;
  n.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const prefix = `[${n.key} ${n.region}] `;
  return new Promise((resolve, reject) => {
    let pending = '';
    let listening = false;
    const timer = setTimeout(
      () => reject(new Error(`${n.en} did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    const onData = (d) => {
      n.output += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        console.log(prefix + line);
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m && !listening) {
          listening = true;
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', (err) => reject(err));
    void n.exited.then(({ code, signal }) => {
      if (pending) console.log(prefix + pending);
      clearTimeout(timer);
      if (!listening)
        reject(new Error(`${n.en} (${n.region}) exited (${signal ?? `code ${code}`}) before it was listening`));
      else if (!stopping) {
        console.error(
          `\n${n.zh} ${n.en} (${n.region}) exited unexpectedly (${signal ?? `code ${code}`}); stopping the others.  节点意外退出，正在停止其余节点。`,
        );
        void shutdown(1);
      }
    });
  });
}

async function stopNode(n) {
  const c = n.child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  let timer;
  const late = await Promise.race([
    n.exited.then(() => false),
    new Promise((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (late) {
    console.error(`${n.en} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killed.`);
    c.kill('SIGKILL');
    await n.exited;
  }
}

let shuttingDown;
function shutdown(code) {
  shuttingDown ??= (async () => {
    stopping = true;
    console.log('\nStopping the nodes...  正在停止各节点……');
    await Promise.all(NODES.map(stopNode));
    console.log('All nodes stopped.  所有节点已停止。');
    process.exit(code);
  })();
  return shuttingDown;
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Never leave a node behind, whatever ends this script.
process.on('exit', () => {
  for (const n of NODES)
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
});

function credentials(n) {
  const file = join(n.dataDir, 'demo-credentials.json');
  const c = JSON.parse(readFileSync(file, 'utf8'));
  const token = c.tokens?.[c.adminDepartment];
  if (!token) throw new Error(`no administrator token in ${file}`);
  return { token, healthSamples: c.healthSamples ?? {} };
}

async function register(hub, n) {
  let res;
  try {
    res = await fetch(`${hub.url}/api/v1/federation/regions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ region: n.region, url: n.url }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new Error(
      `registering ${n.en} (${n.region}) at the hub ${hub.url}: ${err instanceof Error ? err.message : err}`,
    );
  }
  const text = await res.text();
  if (res.status === 201) return 'registered 已登记';
  if (res.status === 409) return 'already registered 此前已登记';
  throw new Error(`registering ${n.en} (${n.region}) at the hub: HTTP ${res.status} ${text}`);
}

// Terminal width of a string: CJK characters take two columns.
const width = (s) => [...s].reduce((a, ch) => a + (ch.codePointAt(0) >= 0x2e80 ? 2 : 1), 0);
const pad = (s, w) => s + ' '.repeat(Math.max(0, w - width(s)));

async function main() {
  console.log('== govshare federation demo  联邦演示 ==');
  for (const n of NODES) {
    console.log(
      `  ${pad(`${n.zh} ${n.en}`, 24)} ${n.region}  ${existsSync(join(ROOT, 'data', 'federation', n.region)) ? 'reusing its data  沿用已有数据' : `building a demo of ${PERSONS} residents  生成演示数据`}`,
    );
  }
  const [hub, ...regions] = NODES;
  hub.url = await startNode(hub);
  const urls = await Promise.all(regions.map(startNode));
  regions.forEach((n, i) => (n.url = urls[i]));
  for (const n of NODES) Object.assign(n, credentials(n));

  console.log('\n== Registering the regions at the hub  在枢纽登记各区域 ==');
  for (const n of regions)
    console.log(`  ${pad(`${n.zh} ${n.en}`, 16)} ${n.region}  ${n.url}  ${await register(hub, n)}`);

  const rows = NODES.map((n) => [`${n.zh} ${n.en}`, n.region, n.role, n.url, n.token]);
  const head = ['node 节点', 'region 区划', 'role 角色', 'URL 地址', 'admin token 管理员令牌'];
  const widths = head.map((h, i) => Math.max(...[h, ...rows.map((r) => r[i])].map(width)));
  const line = (cells) => ('  ' + cells.map((c, i) => pad(c, widths[i])).join('  ')).trimEnd();
  console.log('\n== Nodes  节点 ==');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  console.log(`  data 数据: ${join(ROOT, 'data', 'federation')}/<region>`);

  const [gd, bj] = regions;
  const sample = gd.healthSamples.green ?? Object.values(gd.healthSamples)[0] ?? '<ID number>';
  console.log('\n== Try  试一试 ==');
  console.log('  # the federation as the hub and a region see it  查看联邦状态');
  console.log(`  npx govshare federation status --url ${hub.url} --token ${hub.token}`);
  console.log(`  npx govshare federation status --url ${gd.url} --token ${gd.token}`);
  console.log(
    '  # a code issued in Guangdong, verified offline in Beijing with the national trust list  广东签发，北京离线验证',
  );
  console.log(`  CODE=$(npx govshare code issue ${sample} --url ${gd.url} --token ${gd.token})`);
  console.log(`  npx govshare code verify "$CODE" --url ${bj.url}`);
  console.log(`  npx govshare health status ${sample} --url ${gd.url} --token ${gd.token}`);
  console.log('\nRunning; press Ctrl-C to stop all four nodes.  运行中，按 Ctrl-C 停止全部四个节点。');
}

main().catch((err) => {
  if (stopping) return; // Ctrl-C during start-up
  console.error(`\nfederation demo failed  联邦演示失败: ${err instanceof Error ? err.message : err}`);
  void shutdown(1);
});
