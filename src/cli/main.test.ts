import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { main } from './main.js';
import { memoryIo } from './io.js';
import { run } from './program.js';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** A fetch that records the request and answers with the given status and JSON body. */
function stubFetch(status: number, body: unknown, seen: Seen[] = [], type = 'application/json'): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, method: req.method, headers: req.headers, body: req.body ? await req.text() : '' });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': type },
    });
  };
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  assert.ok(addr && typeof addr === 'object');
  return addr.port;
}

test('--help prints usage on stdout and exits 0', async () => {
  const io = memoryIo();
  assert.equal(await run(['--help'], io), 0);
  assert.match(io.stdout(), /^Usage: govshare/);
  for (const cmd of ['start', 'demo', 'ingest', 'catalog', 'departments', 'elements'])
    assert.match(io.stdout(), new RegExp(`\\n  ${cmd}\\b`));
  assert.equal(io.stderr(), '');
});

test('every command has --help (exit 0)', async () => {
  const commands = [
    ['start'],
    ['demo'],
    ['ingest'],
    ['ingest', 'rejects'],
    ['catalog'],
    ['catalog', 'list'],
    ['catalog', 'search'],
    ['catalog', 'show'],
    ['departments', 'list'],
    ['departments', 'show'],
    ['departments', 'create'],
    ['departments', 'token'],
    ['departments', 'revoke-token'],
    ['elements', 'list'],
    ['elements', 'show'],
    ['elements', 'validate'],
  ];
  for (const c of commands) {
    const io = memoryIo();
    assert.equal(await run([...c, '--help'], io), 0, c.join(' '));
    assert.match(io.stdout(), new RegExp(`^Usage: govshare ${c.join(' ')}`), c.join(' '));
  }
});

test('main(process.argv-like) returns the exit code instead of exiting', async () => {
  assert.equal(await main(['node', 'govshare', '--version']), 0);
});

test('usage errors exit 2 with a govshare: message on stderr', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^govshare: unknown command 'frobnicate'/],
    [['catalog', 'list', '--bogus'], /^govshare: unknown option '--bogus'/],
    [['catalog', 'show'], /^govshare: missing required argument 'dataset'/],
    [['catalog', 'list', '--class', 'secret'], /^govshare: option '--class <class>' argument 'secret' is invalid/],
    [['ingest', 'residents', 'data.txt'], /^govshare: cannot tell the format of 'data.txt'/],
    [['ingest', 'residents', '-'], /^govshare: reading standard input needs --format/],
    [['catalog', 'list', '--url', 'not a url'], /^govshare: option '--url <url>' argument 'not a url' is invalid/],
    [['elements', 'list', '--lang', 'fr'], /Must be zh-CN or en/],
    [['start', '--port', '70000'], /^govshare: port must be an integer from 0 to 65535/],
    [['demo', '--as-of', '2022-02-30'], /YYYY-MM-DD/],
    [['departments', 'token', 'gd-cdc'], /required option '--name <name>' not specified/],
    [[], /^Usage: govshare/],
  ];
  for (const [args, message] of cases) {
    const io = memoryIo();
    assert.equal(await run(args, io), 2, args.join(' '));
    assert.match(io.stderr(), message, args.join(' '));
    assert.equal(io.stdout(), '', args.join(' '));
  }
});

test('an environment variable with a bad value is a usage error', async () => {
  const io = memoryIo({ env: { GOVSHARE_LANG: 'fr' } });
  assert.equal(await run(['elements', 'list'], io), 2);
  assert.match(io.stderr(), /^govshare: environment variable GOVSHARE_LANG='fr' is invalid/);
});

test('a refused connection names the URL and suggests govshare start (real fetch, closed loopback port)', async () => {
  const port = await closedPort();
  const io = { ...memoryIo(), fetch: globalThis.fetch };
  let err = '';
  io.err = (s) => void (err += s);
  const url = `http://127.0.0.1:${port}`;
  assert.equal(await run(['catalog', 'list', '--url', url], io), 1);
  assert.equal(err, `govshare: cannot reach govshare at ${url} — is the server running? (govshare start)\n`);
});

test('a port fetch never connects to (such as 9) is reported as unreachable', async () => {
  const io = { ...memoryIo(), fetch: globalThis.fetch };
  let err = '';
  io.err = (s) => void (err += s);
  assert.equal(await run(['elements', 'list', '--url', 'http://127.0.0.1:9'], io), 1);
  assert.match(err, /^govshare: cannot reach govshare at http:\/\/127\.0\.0\.1:9 — /);
});

test('API problems print detail, code and status and exit 1', async () => {
  const problem = {
    type: 't',
    title: 'Not found',
    status: 404,
    code: 'dataset_not_found',
    detail: 'No dataset with id nope.',
  };
  const io = memoryIo({ fetch: stubFetch(404, problem, [], 'application/problem+json') });
  assert.equal(await run(['catalog', 'show', 'nope', '--token', 't'], io), 1);
  assert.equal(io.stderr(), 'govshare: No dataset with id nope. (dataset_not_found, HTTP 404)\n');
});

test('requests carry the token, language and URL from flags or the environment', async () => {
  const seen: Seen[] = [];
  const env = { GOVSHARE_URL: 'http://gov.example:8080/', GOVSHARE_TOKEN: 'gst_env', GOVSHARE_LANG: 'zh-CN' };
  const io = memoryIo({ env, fetch: stubFetch(200, { total: 0, items: [] }, seen) });
  assert.equal(
    await run(['catalog', 'search', 'nucleic', 'acid', '--class', 'conditional', '--owner', 'gd-labs'], io),
    0,
  );
  assert.equal(
    seen[0]?.url,
    'http://gov.example:8080/api/v1/datasets?q=nucleic+acid&owner=gd-labs&sharingClass=conditional&limit=500',
  );
  assert.equal(seen[0]?.headers.get('authorization'), 'Bearer gst_env');
  assert.equal(seen[0]?.headers.get('accept-language'), 'zh-CN');

  const io2 = memoryIo({ env, fetch: stubFetch(200, { total: 0, items: [] }, seen) });
  assert.equal(
    await run(['--token', 'gst_root', 'catalog', 'list', '--url', 'http://other:1234', '--lang', 'en'], io2),
    0,
  );
  assert.equal(seen[1]?.url, 'http://other:1234/api/v1/datasets?limit=500');
  assert.equal(seen[1]?.headers.get('authorization'), 'Bearer gst_root');
  assert.equal(seen[1]?.headers.get('accept-language'), 'en');
});

test('catalog list prints a table with titles in the chosen language; --json prints the answer', async () => {
  const ds = {
    id: 'nucleic-acid-results',
    owner: 'gd-labs',
    sharingClass: 'unconditional',
    recordCount: 395,
    title: { 'zh-CN': '核酸检测结果', en: 'Nucleic-acid test results' },
  };
  const answer = { total: 1, items: [ds] };
  const zh = memoryIo({ fetch: stubFetch(200, answer) });
  assert.equal(await run(['catalog', 'list', '--lang', 'zh-CN'], zh), 0);
  assert.equal(
    zh.stdout(),
    'ID                    OWNER    SHARING        RECORDS  TITLE\nnucleic-acid-results  gd-labs  unconditional      395  核酸检测结果\n',
  );
  const json = memoryIo({ fetch: stubFetch(200, answer) });
  assert.equal(await run(['catalog', 'list', '--json'], json), 0);
  assert.deepEqual(JSON.parse(json.stdout()), answer);
});

const receipt = {
  batchId: 'bat_9',
  dataset: 'residents',
  format: 'ndjson',
  profile: null,
  atomic: true,
  status: 'rejected',
  rowsTotal: 2,
  rowsAccepted: 0,
  rowsRejected: 1,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  duplicatesInBatch: 0,
  rejected: [{ row: 2, field: 'sex', element: 'sex', code: 'value_set', message: 'not in the value set' }],
  rejectedTruncated: false,
};

test('ingest streams stdin with the right content type and query; 422 prints the receipt and exits 1', async () => {
  const seen: Seen[] = [];
  const problem = {
    type: 't',
    title: 'Unprocessable content',
    status: 422,
    code: 'batch_rejected',
    detail: '1 of 2 rows were rejected; atomic=true, so nothing was stored.',
    receipt,
  };
  const io = memoryIo({
    stdin: '{"a":1}\n{"a":2}\n',
    fetch: stubFetch(422, problem, seen, 'application/problem+json'),
  });
  assert.equal(await run(['ingest', 'residents', '-', '--format', 'ndjson', '--atomic', '--profile', 'local'], io), 1);
  assert.equal(seen[0]?.method, 'POST');
  assert.equal(seen[0]?.url, 'http://127.0.0.1:8080/api/v1/datasets/residents/records?profile=local&atomic=true');
  assert.equal(seen[0]?.headers.get('content-type'), 'application/x-ndjson');
  assert.equal(seen[0]?.body, '{"a":1}\n{"a":2}\n');
  assert.equal(
    io.stdout(),
    'batch bat_9 rejected: 2 rows, 0 accepted, 1 rejected (inserted 0, updated 0, unchanged 0, duplicates in batch 0)\n' +
      'row 2  sex (sex)  value_set: not in the value set\n',
  );
  assert.equal(io.stderr(), `govshare: ${problem.detail} (batch_rejected, HTTP 422)\n`);
});

test('ingest exits 0 when rows were stored, even with some rejected', async () => {
  const ok = { ...receipt, atomic: false, status: 'committed', rowsAccepted: 1, inserted: 1 };
  const io = memoryIo({ stdin: 'a\n1\nx\n', fetch: stubFetch(200, ok) });
  assert.equal(await run(['ingest', 'residents', '-', '--format', 'csv', '--json'], io), 0);
  assert.deepEqual(JSON.parse(io.stdout()), ok);
});

test('ingest of a missing file fails before any request', async () => {
  const seen: Seen[] = [];
  const io = memoryIo({ fetch: stubFetch(200, {}, seen) });
  assert.equal(await run(['ingest', 'residents', '/nonexistent/rows.csv'], io), 1);
  assert.equal(io.stderr(), 'govshare: no such file: /nonexistent/rows.csv\n');
  assert.equal(seen.length, 0);
});

test('ingest rejects pages through every rejected row', async () => {
  const seen: Seen[] = [];
  const item = { row: 1, field: null, element: null, code: 'malformed', message: 'bad row' };
  let calls = 0;
  const fetchPages: typeof fetch = async (input, init) => {
    calls += 1;
    const items = calls === 1 ? Array.from({ length: 10_000 }, () => item) : [item];
    return stubFetch(200, { total: 10_001, items }, seen)(input, init);
  };
  const io = memoryIo({ fetch: fetchPages });
  assert.equal(await run(['ingest', 'rejects', 'bat_9'], io), 0);
  assert.deepEqual(
    seen.map((s) => s.url.replace('http://127.0.0.1:8080', '')),
    [
      '/api/v1/ingest/batches/bat_9/rejects?limit=10000',
      '/api/v1/ingest/batches/bat_9/rejects?limit=10000&offset=10000',
    ],
  );
  assert.equal(io.stdout().split('\n').length - 1, 10_001);
  assert.match(io.stdout(), /^row 1 {2}malformed: bad row\n/);
});

test('elements validate exits 1 for an invalid value', async () => {
  const seen: Seen[] = [];
  const bad = {
    element: 'citizen_id',
    valid: false,
    code: 'check_character',
    message: 'check character is X, expected 4',
  };
  const io = memoryIo({ fetch: stubFetch(200, bad, seen) });
  assert.equal(await run(['elements', 'validate', 'citizen_id', '11010119900307777X'], io), 1);
  assert.equal(seen[0]?.body, '{"value":"11010119900307777X"}');
  assert.equal(io.stdout(), 'invalid: check_character: check character is X, expected 4\n');
  const good = memoryIo({ fetch: stubFetch(200, { element: 'sex', valid: true, value: '1' }) });
  assert.equal(await run(['elements', 'validate', 'sex', '1'], good), 0);
});

test('departments token prints only the token on stdout', async () => {
  const seen: Seen[] = [];
  const issued = {
    id: 'tok_1',
    departmentId: 'gd-cdc',
    name: 'nightly',
    token: 'gst_secret',
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
  const io = memoryIo({ fetch: stubFetch(201, issued, seen) });
  assert.equal(await run(['departments', 'token', 'gd-cdc', '--name', 'nightly', '--expires', '2030-01-01'], io), 0);
  assert.equal(io.stdout(), 'gst_secret\n');
  assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { name: 'nightly', expiresAt: '2030-01-01T00:00:00.000Z' });
});

test('a 401 without a token adds a hint', async () => {
  const problem = {
    type: 't',
    title: 'Authentication required',
    status: 401,
    code: 'unauthorized',
    detail: 'An API token is required.',
  };
  const io = memoryIo({ fetch: stubFetch(401, problem) });
  assert.equal(await run(['departments', 'list'], io), 1);
  assert.equal(
    io.stderr(),
    'govshare: An API token is required. (unauthorized, HTTP 401)\ngovshare: no token given: pass --token or set GOVSHARE_TOKEN\n',
  );
});
