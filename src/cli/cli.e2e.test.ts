// End to end: `govshare start` as a real separate process on an empty data directory, then the CLI against it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCitizenId } from '../standard/index.js';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function govshare(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      env: { ...process.env, GOVSHARE_TOKEN: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let dir: string;
let server: ChildProcess;
let url: string;
let tokens: Record<string, string>;
let credentials: { adminDepartment: string; sampleResidents: string[] };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govshare-cli-'));
  server = spawn(
    process.execPath,
    ['--import', 'tsx', BIN, 'start', '--data-dir', dir, '--port', '0', '--persons', '300'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 120_000);
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes('demo-credentials.json')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    server.stderr!.on('data', (d) => (out += d));
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  credentials = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
  tokens = (credentials as unknown as { tokens: Record<string, string> }).tokens;
});

after(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((r) => server.on('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test('catalog list, search and show', async () => {
  const list = await govshare(['catalog', 'list', '--json', '--url', url, '--token', tokens['gd-cdc']!]);
  assert.equal(list.code, 0, list.stderr);
  const ids = JSON.parse(list.stdout).items.map((d: any) => d.id);
  assert.ok(ids.includes('residents') && ids.includes('nucleic-acid-results'), ids.join());
  const search = await govshare(['catalog', 'search', '核酸', '--url', url], { GOVSHARE_TOKEN: tokens['gd-cdc']! });
  assert.equal(search.code, 0, search.stderr);
  assert.match(search.stdout, /nucleic-acid-results/);
  assert.doesNotMatch(search.stdout, /venue-scans/);
  const show = await govshare(['catalog', 'show', 'nucleic-acid-results', '--url', url, '--lang', 'zh-CN'], {
    GOVSHARE_TOKEN: tokens['gd-cdc']!,
  });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /核酸检测结果/);
  assert.match(show.stdout, /nat_sample_time/);
});

test('departments list and elements validate', async () => {
  const depts = await govshare(['departments', 'list', '--url', url, '--token', tokens['gd-dc']!]);
  assert.equal(depts.code, 0, depts.stderr);
  assert.match(depts.stdout, /gd-labs/);
  const ok = await govshare(['elements', 'validate', 'citizen_id', '11010519491231002X', '--url', url]);
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await govshare(['elements', 'validate', 'citizen_id', '110105194912310021', '--url', url, '--json']);
  assert.equal(bad.code, 1);
  assert.equal(JSON.parse(bad.stdout).code, 'check_character');
});

test('ingest a CSV through a mapping profile, then re-send it: nothing new', async () => {
  const file = join(dir, 'lis.csv');
  const ids = [1, 2, 3].map((n) => generateCitizenId('440106', '19880808', n));
  writeFileSync(
    file,
    `身份证号,姓名,采样时间,检测结果,机构编码,区划\n${ids[0]},张三,2022/05/01 08:30,阴性,GZ-KINGMED,440106\n${ids[1]},李四,2022/05/01 08:31,阳性,GZ-KINGMED,440106\n${ids[2]},王五,2022/13/01 08:32,阴性,GZ-KINGMED,440106\n`,
  );
  const env = { GOVSHARE_TOKEN: tokens['gd-labs']!, GOVSHARE_URL: url };
  const first = await govshare(['ingest', 'nucleic-acid-results', file, '--profile', 'lis-export', '--json'], env);
  assert.equal(first.code, 0, first.stderr);
  const receipt = JSON.parse(first.stdout);
  assert.deepEqual([receipt.inserted, receipt.rowsRejected], [2, 1]);
  assert.equal(receipt.rejected[0].row, 3);
  const again = await govshare(['ingest', 'nucleic-acid-results', file, '--profile', 'lis-export'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /row 3/);
  const atomic = await govshare(['ingest', 'nucleic-acid-results', file, '--profile', 'lis-export', '--atomic'], env);
  assert.equal(atomic.code, 1);
  assert.match(atomic.stderr, /batch_rejected/);
});

test('NDJSON from stdin; writing into another department’s dataset is refused', async () => {
  const line = JSON.stringify({
    citizen_id: generateCitizenId('440106', '19770707', 7),
    sample_time: '2022-05-02T08:00:00Z',
    result: 'negative',
    lab_code: 'GZ-DAAN',
  });
  const ok = await govshare(
    ['ingest', 'nucleic-acid-results', '-', '--format', 'ndjson', '--json'],
    { GOVSHARE_TOKEN: tokens['gd-labs']!, GOVSHARE_URL: url },
    line + '\n',
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).inserted, 1);
  const refused = await govshare(
    ['ingest', 'nucleic-acid-results', '-', '--format', 'ndjson'],
    { GOVSHARE_TOKEN: tokens['gd-cdc']!, GOVSHARE_URL: url },
    line + '\n',
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /not_dataset_owner/);
  const anonymous = await govshare(['catalog', 'list', '--url', url]);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /unauthorized|token/i);
});

test('govshare demo builds a province into another data directory', async () => {
  const other = mkdtempSync(join(tmpdir(), 'govshare-demo-cli-'));
  try {
    const res = await govshare(['demo', '--data-dir', other, '--persons', '150', '--as-of', '2022-05-01', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const summary = JSON.parse(res.stdout);
    assert.equal(summary.persons, 150);
    assert.equal(summary.departments, 8);
    const file = JSON.parse(readFileSync(join(other, 'demo-credentials.json'), 'utf8'));
    assert.deepEqual(
      summary.tokens,
      file.tokens,
      'the JSON summary carries the same demo tokens as the credentials file',
    );
    const twice = await govshare(['demo', '--data-dir', other, '--persons', '150']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /--reset/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('sharing request and approval, records read --all, a person’s verified access log, audit verify', async () => {
  const as = (dept: string) => ({ GOVSHARE_URL: url, GOVSHARE_TOKEN: tokens[dept]! });
  const admin = as(credentials.adminDepartment);
  const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const req = await govshare(
    [
      'sharing',
      'request',
      'residents',
      '--fields',
      'citizen_id,person_name,division_code',
      '--clear',
      'person_name',
      '--purpose',
      'contact_tracing',
      '--purpose-text',
      'trace contacts of confirmed cases',
      '--legal-basis',
      'Law on the Prevention and Control of Infectious Diseases',
      '--until',
      until,
      '--json',
    ],
    as('gd-cdc'),
  );
  assert.equal(req.code, 0, req.stderr);
  const id = JSON.parse(req.stdout).id as string;
  assert.equal(JSON.parse(req.stdout).status, 'pending');
  // JSON keeps the API's ISO 8601 UTC; people read China Standard Time, a bare --until date ending that day there.
  assert.match(JSON.parse(req.stdout).deadline, /T15:59:59\.999Z$/);
  const pending = await govshare(['sharing', 'show', id], as('gd-cdc'));
  assert.match(
    pending.stdout,
    /\nanswer due: +\d{4}-\d{2}-\d{2} 23:59 \(UTC\+8\)( \(counted skipping weekends only[^\n]*)?\n/,
  );
  assert.match(pending.stdout, new RegExp(`\\nperiod: +\\S+ \\S+ \\(UTC\\+8\\) → ${until} 23:59 \\(UTC\\+8\\)\\n`));
  const notOwner = await govshare(['sharing', 'approve', id], as('gd-cdc'));
  assert.equal(notOwner.code, 1);
  assert.match(notOwner.stderr, /HTTP 403\)/);
  const approve = await govshare(['sharing', 'approve', id, '--reason', 'within duties'], as('gd-ps'));
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, new RegExp(`^request ${id} granted: gd-cdc may read residents`));
  const show = await govshare(['sharing', 'show', id], as('gd-cdc'));
  assert.match(show.stdout, /\nhistory\n[^]*requested[^]*granted/);

  const all = await govshare(
    ['records', 'read', 'residents', '--purpose', 'contact_tracing', '--all', '--json'],
    as('gd-cdc'),
  );
  assert.equal(all.code, 0, all.stderr);
  const rows = all.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(rows.length > 0);
  assert.deepEqual(Object.keys(rows[0].data).sort(), ['citizen_id', 'division_code', 'person_name']);
  const page = await govshare(
    ['records', 'read', 'residents', '--purpose', 'contact_tracing', '--limit', '2'],
    as('gd-cdc'),
  );
  assert.equal(page.code, 0, page.stderr);
  assert.match(page.stdout, /^citizen_id +person_name +division_code +HANDLE\n/);
  assert.match(page.stderr, /--after/);

  const citizen = credentials.sampleResidents[0]!;
  const pt = await govshare(['person', 'token', citizen], admin);
  assert.equal(pt.code, 0, pt.stderr);
  assert.match(pt.stdout, /^gsp_\S+\n$/);
  const log = await govshare(['me', 'access-log', '--verify', '--url', url, '--token', pt.stdout.trim()]);
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stdout, /records\.read/);
  assert.doesNotMatch(log.stdout, /FAILED/);
  assert.match(log.stderr, /^all \d+ entries verified/);

  const remote = await govshare(['audit', 'verify', '--remote'], admin);
  assert.equal(remote.code, 0, remote.stderr);
  assert.match(remote.stdout, /^ledger: +ok/);
  const local = await govshare(['audit', 'verify', '--data-dir', dir]);
  assert.equal(local.code, 1);
  assert.match(local.stderr, /in use by a running govshare node[^]*--remote/);
});
