// The sharing, records, corrections, report, audit, person, me and keys commands against a stub fetch:
// argument parsing, the requests they build, their output and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../core/canonical-json.js';
import { inclusionProof, leafHash, memorySource, rootAt } from '../audit/merkle.js';
import { memoryIo, type MemoryIo } from './io.js';
import { run } from './program.js';

interface Seen {
  url: string;
  path: string;
  method: string;
  headers: Headers;
  body: string;
}

type Answer = [status: number, body: unknown] | Response;

const BASE = 'http://127.0.0.1:8080';

/** A fetch that records every request and answers from `answer` (JSON bodies; problems as problem JSON). */
function stub(answer: (req: Seen) => Answer, seen: Seen[] = []): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const u = new URL(req.url);
    const s: Seen = {
      url: req.url,
      path: u.pathname + u.search,
      method: req.method,
      headers: req.headers,
      body: req.body ? await req.text() : '',
    };
    seen.push(s);
    const a = answer(s);
    if (a instanceof Response) return a;
    const [status, body] = a;
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': type },
    });
  };
}

async function cli(
  args: string[],
  answer: (req: Seen) => Answer = () => [200, {}],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; io: MemoryIo; seen: Seen[] }> {
  const seen: Seen[] = [];
  const io = memoryIo({ env, fetch: stub(answer, seen) });
  const code = await run(args, io);
  return { code, io, seen };
}

const share = (over: Record<string, unknown> = {}) => ({
  id: 'shr_1',
  dataset: 'nucleic-acid-results',
  owner: 'gd-labs',
  consumer: 'gd-cdc',
  fields: ['citizen_id', 'result'],
  clearFields: ['result'],
  purposes: ['contact_tracing'],
  purposeText: 'trace contacts',
  legalBasis: 'Infectious Diseases Law',
  periodStart: '2026-01-01T00:00:00.000Z',
  periodEnd: '2026-12-31T23:59:59.999Z',
  scope: {},
  status: 'pending',
  live: false,
  overdue: false,
  deadline: '2026-01-15T00:00:00.000Z',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  renews: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const forbidden = {
  type: 't',
  title: 'Forbidden',
  status: 403,
  code: 'not_dataset_owner',
  detail: 'Only the owning department (gd-labs) may decide.',
};

test('every new command has --help (exit 0)', async () => {
  const commands = [
    ['sharing'],
    ['sharing', 'request'],
    ['sharing', 'list'],
    ['sharing', 'show'],
    ['sharing', 'approve'],
    ['sharing', 'refuse'],
    ['sharing', 'revoke'],
    ['sharing', 'withdraw'],
    ['sharing', 'renew'],
    ['sharing', 'purposes'],
    ['records', 'read'],
    ['records', 'history'],
    ['records', 'report-error'],
    ['corrections', 'list'],
    ['corrections', 'answer'],
    ['report', 'sharing'],
    ['audit', 'head'],
    ['audit', 'sign'],
    ['audit', 'entry'],
    ['audit', 'verify'],
    ['person', 'token'],
    ['me', 'access-log'],
    ['me', 'records'],
    ['keys', 'status'],
    ['keys', 'rotate'],
    ['keys', 'reencrypt'],
  ];
  for (const c of commands) {
    const { code, io, seen } = await cli([...c, '--help']);
    assert.equal(code, 0, c.join(' '));
    assert.match(io.stdout(), new RegExp(`^Usage: govshare ${c.join(' ')}`), c.join(' '));
    if (c.length === 2) assert.match(io.stdout(), /--json/, `${c.join(' ')} has --json`);
    assert.equal(seen.length, 0);
  }
  const { io } = await cli(['audit', 'verify', '--help']);
  assert.match(io.stdout(), /stop the server/);
  assert.match(io.stdout(), /--remote/);
});

test('usage errors exit 2 before any request', async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      [
        'sharing',
        'request',
        'ds',
        '--purpose',
        'x',
        '--purpose-text',
        'abcd',
        '--legal-basis',
        'abcd',
        '--until',
        '2026-12-31',
      ],
      /required option '--fields <a,b>' not specified/,
    ],
    [
      [
        'sharing',
        'request',
        'ds',
        '--fields',
        'a',
        '--purpose',
        'x',
        '--purpose-text',
        'abcd',
        '--legal-basis',
        'abcd',
      ],
      /required option '--until <date>' not specified/,
    ],
    [
      [
        'sharing',
        'request',
        'ds',
        '--fields',
        'a',
        '--purpose',
        'x',
        '--purpose-text',
        'abcd',
        '--legal-basis',
        'abcd',
        '--until',
        'soon',
      ],
      /ISO 8601/,
    ],
    [
      [
        'sharing',
        'request',
        'ds',
        '--fields',
        ',',
        '--purpose',
        'x',
        '--purpose-text',
        'abcd',
        '--legal-basis',
        'abcd',
        '--until',
        '2026-12-31',
      ],
      /separated by commas/,
    ],
    [
      [
        'sharing',
        'request',
        'ds',
        '--fields',
        'a',
        '--purpose',
        'x',
        '--purpose-text',
        'abcd',
        '--legal-basis',
        'abcd',
        '--until',
        '2026-12-31',
        '--scope',
        '44x',
      ],
      /division code/,
    ],
    [['sharing', 'list', '--role', 'admin'], /argument 'admin' is invalid/],
    [['sharing', 'list', '--status', 'lost'], /argument 'lost' is invalid/],
    [['sharing', 'show'], /missing required argument 'id'/],
    [['sharing', 'refuse', 'shr_1'], /required option '--reason <text>' not specified/],
    [['sharing', 'revoke', 'shr_1'], /required option '--reason <text>' not specified/],
    [['sharing', 'renew', 'shr_1'], /required option '--until <date>' not specified/],
    [['sharing', 'approve', 'shr_1', '--until', '2026-02-30'], /YYYY-MM-DD/],
    [['records', 'read', 'ds', '--where', 'result'], /field=value/],
    [['records', 'read', 'ds', '--where', 'Result=x'], /field=value/],
    [['records', 'read', 'ds', '--limit', '0'], /from 1 to 1000/],
    [['records', 'read', 'ds', '--key', 'k', '--subject', 's'], /cannot be used with/],
    [['records', 'read', 'ds', '--all', '--limit', '5'], /cannot be used with/],
    [['records', 'history', 'ds'], /missing required argument 'handle'/],
    [['records', 'read', 'ds', '--handle', 'h1_x', '--subject', 's'], /cannot be used with/],
    [['records', 'report-error', 'ds', 'k'], /required option '--description <text>' not specified/],
    [['corrections', 'answer', 'cor_1', '--answer', 'done'], /required option '--status <status>' not specified/],
    [['corrections', 'answer', 'cor_1', '--status', 'maybe', '--answer', 'done'], /argument 'maybe' is invalid/],
    [['corrections', 'list', '--status', 'closed'], /argument 'closed' is invalid/],
    [['audit', 'entry', '-1'], /unknown option '-1'|from 0/],
    [['audit', 'entry', 'x'], /integer/],
    [['audit', 'verify', '--remote', '--data-dir', '/tmp/x'], /cannot be used with/],
    [['person', 'token', '11010519491231002X', '--ttl', '2000'], /from 1 to 1440/],
    [['person', 'token'], /missing required argument 'citizenId'/],
    [['me', 'access-log', '--bogus'], /unknown option '--bogus'/],
    [['keys', 'frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const { code, io, seen } = await cli(args);
    assert.equal(code, 2, args.join(' '));
    assert.match(io.stderr(), message, args.join(' '));
    assert.equal(io.stdout(), '', args.join(' '));
    assert.equal(seen.length, 0, args.join(' '));
  }
});

test('a 403 problem prints detail, code and status and exits 1', async () => {
  for (const args of [
    ['sharing', 'approve', 'shr_1'],
    ['records', 'read', 'nucleic-acid-results', '--purpose', 'contact_tracing'],
    ['keys', 'rotate'],
    ['audit', 'sign'],
    ['report', 'sharing'],
  ]) {
    const { code, io } = await cli([...args, '--token', 'gst_x'], () => [403, forbidden]);
    assert.equal(code, 1, args.join(' '));
    assert.equal(
      io.stderr(),
      'govshare: Only the owning department (gd-labs) may decide. (not_dataset_owner, HTTP 403)\n',
      args.join(' '),
    );
    assert.equal(io.stdout(), '');
  }
});

test('sharing request builds the request body; a bare --until date means the end of that day in China time', async () => {
  const { code, io, seen } = await cli(
    [
      'sharing',
      'request',
      'nucleic-acid-results',
      '--fields',
      'citizen_id, result,sample_time',
      '--purpose',
      'contact_tracing,epidemic_control',
      '--purpose',
      'statistics',
      '--purpose-text',
      'trace contacts of cases',
      '--legal-basis',
      'Infectious Diseases Law',
      '--until',
      '2026-12-31',
      '--clear',
      'result',
      '--from',
      '2026-01-01T08:00:00+08:00',
      '--scope',
      '4401',
      '--token',
      'gst_cdc',
    ],
    () => [201, share()],
  );
  assert.equal(code, 0, io.stderr());
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.url, `${BASE}/api/v1/sharing/requests`);
  assert.equal(seen[0]!.headers.get('content-type'), 'application/json');
  assert.equal(seen[0]!.headers.get('authorization'), 'Bearer gst_cdc');
  assert.deepEqual(JSON.parse(seen[0]!.body), {
    dataset: 'nucleic-acid-results',
    fields: ['citizen_id', 'result', 'sample_time'],
    clearFields: ['result'],
    purposes: ['contact_tracing', 'epidemic_control', 'statistics'],
    purposeText: 'trace contacts of cases',
    legalBasis: 'Infectious Diseases Law',
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-12-31T15:59:59.999Z',
    scope: { divisionPrefix: '4401' },
  });
  assert.equal(io.stdout(), 'request shr_1 pending: gd-labs must answer by 2026-01-15 08:00 (UTC+8)\n');

  const minimal = await cli(
    [
      'sharing',
      'request',
      'residents',
      '--fields',
      'name',
      '--purpose',
      'health_code',
      '--purpose-text',
      'abcd',
      '--legal-basis',
      'efgh',
      '--until',
      '2026-06-30T12:00:00Z',
      '--json',
    ],
    () => [201, share({ status: 'granted', live: true })],
  );
  assert.equal(minimal.code, 0);
  assert.deepEqual(JSON.parse(minimal.seen[0]!.body), {
    dataset: 'residents',
    fields: ['name'],
    purposes: ['health_code'],
    purposeText: 'abcd',
    legalBasis: 'efgh',
    periodEnd: '2026-06-30T12:00:00.000Z',
  });
  assert.equal(JSON.parse(minimal.io.stdout()).status, 'granted');
});

test('sharing list sends the filters and prints a table marking overdue requests', async () => {
  const items = [
    share({ overdue: true }),
    share({
      id: 'shr_2',
      dataset: 'residents',
      owner: 'gd-pop',
      status: 'granted',
      periodEnd: '2026-06-30T00:00:00.000Z',
    }),
  ];
  const { code, io, seen } = await cli(
    ['sharing', 'list', '--role', 'owner', '--status', 'pending', '--dataset', 'nucleic-acid-results', '--overdue'],
    () => [200, { items }],
  );
  assert.equal(code, 0);
  assert.equal(seen[0]!.method, 'GET');
  assert.equal(
    seen[0]!.path,
    '/api/v1/sharing/requests?role=owner&status=pending&dataset=nucleic-acid-results&overdue=true',
  );
  assert.equal(
    io.stdout(),
    'ID     DATASET               CONSUMER → OWNER  STATUS             ANSWER DUE                PERIOD END\n' +
      'shr_1  nucleic-acid-results  gd-cdc → gd-labs  pending (OVERDUE)  2026-01-15 08:00 (UTC+8)  2027-01-01 07:59 (UTC+8)\n' +
      'shr_2  residents             gd-cdc → gd-pop   granted                                      2026-06-30 08:00 (UTC+8)\n',
  );
  const plain = await cli(['sharing', 'list'], () => [200, { items: [] }]);
  assert.equal(plain.seen[0]!.path, '/api/v1/sharing/requests');
  assert.equal(plain.io.stdout(), '');
  assert.equal(plain.io.stderr(), 'no requests found\n');
  const json = await cli(['sharing', 'list', '--json'], () => [200, { items }]);
  assert.deepEqual(JSON.parse(json.io.stdout()), { items });
});

test('sharing show prints the terms and the event history', async () => {
  const events = [
    { seq: 1, action: 'requested', actor: 'gd-cdc', reason: null, detail: {}, at: '2026-01-01T00:00:00.000Z' },
    {
      seq: 2,
      action: 'granted',
      actor: 'gd-labs',
      reason: 'within duties',
      detail: { clearFields: ['result'], periodEnd: '2026-12-31T23:59:59.999Z' },
      at: '2026-01-02T00:00:00.000Z',
    },
  ];
  const { code, io, seen } = await cli(['sharing', 'show', 'shr/1'], () => [
    200,
    share({ status: 'granted', live: true, decidedBy: 'gd-labs', decisionReason: 'within duties', events }),
  ]);
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/sharing/requests/shr%2F1');
  const out = io.stdout();
  assert.match(out, /^id: {12}shr_1\n/);
  assert.match(out, /\nstatus: {8}granted, in force\n/);
  assert.match(out, /\nscope: {9}all regions\n/);
  assert.doesNotMatch(out, /answer due/);
  assert.match(out, /\nhistory\nTIME {25}ACTION {5}ACTOR {4}REASON {9}DETAIL\n/);
  assert.match(
    out,
    /\n2026-01-02 08:00:00 \(UTC\+8\) {2}granted {4}gd-labs {2}within duties {2}clearFields=\["result"\] periodEnd=2027-01-01 07:59 \(UTC\+8\)\n$/,
  );
});

test('approve, refuse, revoke, withdraw and renew post their decision', async () => {
  const cases: Array<[string[], string, unknown]> = [
    [['sharing', 'approve', 'shr_1'], '/api/v1/sharing/requests/shr_1/approve', {}],
    [
      ['sharing', 'approve', 'shr_1', '--reason', 'ok', '--clear', 'result', '--until', '2026-03-01'],
      '/api/v1/sharing/requests/shr_1/approve',
      { reason: 'ok', clearFields: ['result'], periodEnd: '2026-03-01T15:59:59.999Z' },
    ],
    [
      ['sharing', 'refuse', 'shr_1', '--reason', 'not within your duties'],
      '/api/v1/sharing/requests/shr_1/refuse',
      { reason: 'not within your duties' },
    ],
    [
      ['sharing', 'revoke', 'shr_1', '--reason', 'emergency over'],
      '/api/v1/sharing/requests/shr_1/revoke',
      { reason: 'emergency over' },
    ],
    [['sharing', 'withdraw', 'shr_1'], '/api/v1/sharing/requests/shr_1/withdraw', {}],
    [
      ['sharing', 'withdraw', 'shr_1', '--reason', 'asked by mistake'],
      '/api/v1/sharing/requests/shr_1/withdraw',
      { reason: 'asked by mistake' },
    ],
    [
      ['sharing', 'renew', 'shr_1', '--until', '2027-06-30T00:00:00Z', '--reason', 'still needed'],
      '/api/v1/sharing/requests/shr_1/renew',
      { periodEnd: '2027-06-30T00:00:00.000Z', reason: 'still needed' },
    ],
  ];
  for (const [args, path, body] of cases) {
    const { code, seen, io } = await cli(args, () => [
      200,
      share({ status: 'refused', decisionReason: 'not within your duties' }),
    ]);
    assert.equal(code, 0, args.join(' '));
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.path, path);
    assert.deepEqual(JSON.parse(seen[0]!.body), body, args.join(' '));
    assert.equal(io.stdout(), 'request shr_1 refused: not within your duties\n');
  }
  const granted = await cli(['sharing', 'approve', 'shr_1'], () => [200, share({ status: 'granted', live: true })]);
  assert.equal(
    granted.io.stdout(),
    'request shr_1 granted: gd-cdc may read nucleic-acid-results (2 fields) from 2026-01-01 08:00 (UTC+8) until 2027-01-01 07:59 (UTC+8)\n',
  );
});

test('sharing purposes lists the vocabulary in the chosen language', async () => {
  const items = [
    {
      code: 'contact_tracing',
      name: { 'zh-CN': '流行病学调查与密接追踪', en: 'Epidemiological investigation and contact tracing' },
    },
  ];
  const { code, io, seen } = await cli(['sharing', 'purposes', '--lang', 'zh-CN'], () => [200, { items }]);
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/sharing/purposes');
  assert.equal(io.stdout(), 'CODE             PURPOSE\ncontact_tracing  流行病学调查与密接追踪\n');
});

const rec = (handle: string | undefined, data: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  ...(handle !== undefined ? { handle } : {}),
  version: 1,
  data,
  masked: [],
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: null,
  ...over,
});

test('records read sends purpose, subject, fields, filters and paging in a POST body; prints a table and where the next page starts', async () => {
  const items = [
    rec('h1_a', { citizen_id: '4401**********001X', result: 'positive', count: 2 }),
    rec('h1_b', { citizen_id: '4401**********0024', result: 'positive' }),
  ];
  const { code, io, seen } = await cli(
    [
      'records',
      'read',
      'nucleic-acid-results',
      '--purpose',
      'contact_tracing',
      '--subject',
      '44010619880808001X',
      '--fields',
      'citizen_id,result',
      '--where',
      'result=positive',
      '--where',
      'lab_code=GZ=1',
      '--limit',
      '2',
    ],
    () => [200, { items, next: 'c1_next' }],
  );
  assert.equal(code, 0);
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.headers.get('accept'), 'application/json, application/problem+json');
  assert.equal(seen[0]!.path, '/api/v1/datasets/nucleic-acid-results/records/search', 'nothing in the URL');
  assert.deepEqual(JSON.parse(seen[0]!.body), {
    purpose: 'contact_tracing',
    subject: '44010619880808001X',
    fields: ['citizen_id', 'result'],
    where: { result: 'positive', lab_code: 'GZ=1' },
    limit: 2,
  });
  assert.equal(
    io.stdout(),
    'citizen_id          result    count  HANDLE\n4401**********001X  positive  2      h1_a\n4401**********0024  positive         h1_b\n',
  );
  assert.equal(io.stderr(), "more records follow: add --after 'c1_next' for the next page, or --all for every one\n");

  const after = await cli(['records', 'read', 'ds', '--after', 'c1_next', '--json'], () => [
    200,
    { items: [], next: null },
  ]);
  assert.equal(after.seen[0]!.path, '/api/v1/datasets/ds/records/search');
  assert.deepEqual(JSON.parse(after.seen[0]!.body), { after: 'c1_next' });
  assert.deepEqual(JSON.parse(after.io.stdout()), { items: [], next: null });
});

test('records read --handle fetches one record by its handle; --key (the owner) sends the key in the body', async () => {
  const one = rec('h1_abc', { name: '张*' }, { masked: ['name'], version: 3 });
  const { code, io, seen } = await cli(
    ['records', 'read', 'residents', '--handle', 'h1_abc', '--purpose', 'health_code', '--fields', 'name'],
    () => [200, one],
  );
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/datasets/residents/records/h1_abc?purpose=health_code&fields=name');
  assert.equal(
    io.stdout(),
    'handle:      h1_abc\nversion:     3\nvalid from:  2026-01-01T00:00:00.000Z\nmasked:      name\n\nname:  张*\n',
  );
  const byKey = await cli(['records', 'read', 'residents', '--key', '44010619880808001X|2022'], () => [
    200,
    { items: [one], next: null },
  ]);
  assert.equal(byKey.code, 0);
  assert.equal(byKey.seen[0]!.method, 'POST');
  assert.equal(byKey.seen[0]!.path, '/api/v1/datasets/residents/records/search');
  assert.deepEqual(JSON.parse(byKey.seen[0]!.body), { key: '44010619880808001X|2022', limit: 1 });
  assert.equal(byKey.io.stdout(), io.stdout());
  const none = await cli(['records', 'read', 'residents', '--key', 'x'], () => [200, { items: [], next: null }]);
  assert.equal(none.code, 1);
  assert.ok(!none.io.stderr().includes('x|') && /no current record/.test(none.io.stderr()));
});

test('records read --all streams NDJSON from the POST search: JSON lines with --json, else a table', async () => {
  const lines = [
    rec('h1_1', { result: 'negative' }),
    rec('h1_2', { result: 'positive' }),
    rec('h1_3', { result: 'negative' }),
  ].map((r) => JSON.stringify(r));
  const ndjson = () =>
    new Response(
      new ReadableStream({
        start(c) {
          // split mid-line to check that lines are put together across chunks
          const text = lines.join('\n') + '\n';
          c.enqueue(new TextEncoder().encode(text.slice(0, 30)));
          c.enqueue(new TextEncoder().encode(text.slice(30)));
          c.close();
        },
      }),
      { status: 200, headers: { 'content-type': 'application/x-ndjson' } },
    );
  const json = await cli(['records', 'read', 'ds', '--purpose', 'statistics', '--all', '--json'], ndjson);
  assert.equal(json.code, 0);
  assert.equal(json.seen[0]!.method, 'POST');
  assert.equal(json.seen[0]!.path, '/api/v1/datasets/ds/records/search');
  assert.deepEqual(JSON.parse(json.seen[0]!.body), { purpose: 'statistics' });
  assert.equal(json.seen[0]!.headers.get('accept'), 'application/x-ndjson, application/problem+json');
  assert.equal(json.io.stdout(), lines.join('\n') + '\n');
  const table = await cli(['records', 'read', 'ds', '--purpose', 'statistics', '--all'], ndjson);
  assert.equal(table.code, 0);
  assert.equal(table.io.stdout(), 'result    HANDLE\nnegative  h1_1\npositive  h1_2\nnegative  h1_3\n');
  assert.equal(table.io.stderr(), '3 records\n');
  const refused = await cli(['records', 'read', 'ds', '--all'], () => [
    403,
    { ...forbidden, code: 'purpose_required', detail: 'Declare the purpose of this read.' },
  ]);
  assert.equal(refused.code, 1);
  assert.equal(refused.io.stderr(), 'govshare: Declare the purpose of this read. (purpose_required, HTTP 403)\n');
});

const correction = (over: Record<string, unknown> = {}) => ({
  id: 'cor_1',
  dataset: 'residents',
  handle: 'h1_k1',
  grant: 'shr_1',
  reporter: 'gd-cdc',
  field: 'name',
  description: 'wrong name',
  status: 'open',
  answer: null,
  answeredBy: null,
  answeredAt: null,
  createdAt: '2026-01-03T00:00:00.000Z',
  ...over,
});

test('records history shows versions and error reports, by handle', async () => {
  const items = [
    rec('h1_k1', { name: 'A' }, { version: 1, validTo: '2026-02-01T00:00:00.000Z' }),
    rec('h1_k1', { name: 'B' }, { version: 2, validFrom: '2026-02-01T00:00:00.000Z' }),
  ];
  const { code, io, seen } = await cli(
    ['records', 'history', 'residents', 'h1_k1', '--purpose', 'data_quality'],
    () => [200, { items, corrections: [correction()] }],
  );
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/datasets/residents/records/h1_k1/history?purpose=data_quality');
  assert.equal(
    io.stdout(),
    'VERSION  VALID FROM                VALID TO                  name\n' +
      '      1  2026-01-01T00:00:00.000Z  2026-02-01T00:00:00.000Z  A\n' +
      '      2  2026-02-01T00:00:00.000Z  (current)                 B\n' +
      '\nerror reports\n' +
      'ID     DATASET    RECORD  FIELD  STATUS  REPORTER  REPORTED                  DESCRIPTION  ANSWER\n' +
      'cor_1  residents  h1_k1   name   open    gd-cdc    2026-01-03T00:00:00.000Z  wrong name\n',
  );
});

test('records report-error (by handle), corrections list and corrections answer', async () => {
  const rep = await cli(
    ['records', 'report-error', 'residents', 'h1_k-1', '--description', 'wrong name', '--field', 'name'],
    () => [201, correction()],
  );
  assert.equal(rep.code, 0);
  assert.equal(rep.seen[0]!.method, 'POST');
  assert.equal(rep.seen[0]!.path, '/api/v1/datasets/residents/records/h1_k-1/corrections');
  assert.deepEqual(JSON.parse(rep.seen[0]!.body), { field: 'name', description: 'wrong name' });
  assert.equal(rep.io.stdout(), 'reported cor_1 on residents: open\n');

  const list = await cli(['corrections', 'list', '--role', 'owner', '--status', 'open'], () => [
    200,
    { items: [correction()] },
  ]);
  assert.equal(list.code, 0);
  assert.equal(list.seen[0]!.path, '/api/v1/corrections?role=owner&status=open');
  assert.match(list.io.stdout(), /^ID {5}DATASET {4}RECORD/);
  assert.match(list.io.stdout(), /\ncor_1 {2}residents {2}h1_k1 {3}name {3}open {4}gd-cdc/);

  const ans = await cli(
    ['corrections', 'answer', 'cor_1', '--status', 'rejected', '--answer', 'the record is right'],
    () => [200, correction({ status: 'rejected' })],
  );
  assert.equal(ans.code, 0);
  assert.equal(ans.seen[0]!.method, 'POST');
  assert.equal(ans.seen[0]!.path, '/api/v1/corrections/cor_1/answer');
  assert.deepEqual(JSON.parse(ans.seen[0]!.body), { status: 'rejected', answer: 'the record is right' });
  assert.equal(ans.io.stdout(), 'error report cor_1 rejected\n');
});

test('report sharing prints one row per department', async () => {
  const departments = [
    {
      department: 'gd-cdc',
      datasets: 2,
      recordsContributed: 1200,
      recordsReadByOthers: 30,
      recordsConsumed: 5000,
      requestsMade: 4,
      requestsReceived: 1,
      requestsAnswered: 1,
      medianAnswerHours: 2.25,
      overdue: 0,
    },
    {
      department: 'gd-labs',
      datasets: 1,
      recordsContributed: 395,
      recordsReadByOthers: 5000,
      recordsConsumed: 0,
      requestsMade: 0,
      requestsReceived: 4,
      requestsAnswered: 3,
      medianAnswerHours: null,
      overdue: 1,
    },
  ];
  const { code, io, seen } = await cli(['report', 'sharing'], () => [
    200,
    { generatedAt: '2026-01-05T00:00:00.000Z', departments },
  ]);
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/reports/sharing');
  assert.equal(
    io.stdout(),
    'sharing report (mutual benefit), generated 2026-01-05 08:00 (UTC+8)\n\n' +
      'DEPARTMENT  DATASETS  RECORDS  READ BY OTHERS  CONSUMED  REQ MADE  REQ RECEIVED  ANSWERED  MEDIAN ANSWER H  OVERDUE\n' +
      'gd-cdc             2     1200              30      5000         4             1         1              2.3        0\n' +
      'gd-labs            1      395            5000         0         0             4         3                -        1\n',
  );
  const json = await cli(['report', 'sharing', '--json'], () => [200, { generatedAt: 'x', departments }]);
  assert.deepEqual(JSON.parse(json.io.stdout()).departments, departments);
});

/** A small ledger of canonical JSON entries with proofs against its root, as the server would answer. */
async function provenLog(n: number) {
  const entries = Array.from({ length: n }, (_v, i) =>
    canonicalJson({
      v: 1,
      time: `2026-01-0${i + 1}T00:00:00.000Z`,
      action: 'records.read',
      outcome: 'ok',
      actor: { kind: 'department', department: 'gd-cdc' },
      dataset: 'residents',
      purpose: 'contact_tracing',
      fields: ['name'],
    }),
  );
  const leaves = entries.map((e) => leafHash(Buffer.from(e, 'utf8')));
  const src = memorySource(leaves);
  const root = (await rootAt(src, n)).toString('hex');
  const treeHead = { treeSize: n, root, time: '2026-01-09T00:00:00.000Z', kid: 'k1', signature: 'c2ln' };
  return Promise.all(
    entries.map(async (entry, seq) => ({
      seq,
      entry,
      leafHash: leaves[seq]!.toString('hex'),
      treeHead,
      proof: (await inclusionProof(src, seq, n)).map((h) => h.toString('hex')),
      time: `2026-01-0${seq + 1}T00:00:00.000Z`,
      action: 'records.read',
      outcome: 'ok',
      department: 'gd-cdc',
      dataset: 'residents',
      purpose: 'contact_tracing',
      fields: ['name'],
    })),
  );
}

test('me access-log prints a table with the person token', async () => {
  const items = await provenLog(3);
  const { code, io, seen } = await cli(['me', 'access-log'], () => [200, { items }], { GOVSHARE_TOKEN: 'gsp_person' });
  assert.equal(code, 0);
  assert.equal(seen[0]!.method, 'GET');
  assert.equal(seen[0]!.path, '/api/v1/me/access-log');
  assert.equal(seen[0]!.headers.get('authorization'), 'Bearer gsp_person');
  assert.equal(
    io.stdout().split('\n').slice(0, 2).join('\n'),
    'TIME                      DEPARTMENT  ACTION        OUTCOME  DATASET    PURPOSE          FIELDS  SEQ\n' +
      '2026-01-01T00:00:00.000Z  gd-cdc      records.read  ok       residents  contact_tracing  name      0',
  );
});

test('me access-log --verify checks every inclusion proof locally', async () => {
  const items = await provenLog(5);
  const ok = await cli(['me', 'access-log', '--verify', '--token', 'gsp_p'], () => [200, { items }]);
  assert.equal(ok.code, 0, ok.io.stderr());
  const lines = ok.io.stdout().trimEnd().split('\n');
  assert.match(lines[0]!, /SEQ {2}PROOF$/);
  assert.equal(lines.length, 6);
  for (const l of lines.slice(1)) assert.match(l, / verified$/);
  assert.equal(ok.io.stderr(), 'all 5 entries verified against tree head 5\n');

  // a forged audit path: one sibling hash changed
  const forged = structuredClone(items);
  const p = forged[3]!.proof;
  p[0] = (p[0]![0] === '0' ? '1' : '0') + p[0]!.slice(1);
  const bad = await cli(['me', 'access-log', '--verify'], () => [200, { items: forged }]);
  assert.equal(bad.code, 1);
  const badLines = bad.io.stdout().trimEnd().split('\n');
  assert.match(badLines[4]!, /\b3 {2}FAILED: the proof does not lead to the root of the tree head of size 5$/);
  assert.equal(badLines.filter((l) => l.endsWith(' verified')).length, 4);
  assert.equal(bad.io.stderr(), 'govshare: 1 of 5 entries do not verify\n');

  // a listing that says something else than the proven entry
  const lying = structuredClone(items);
  lying[0]!.department = 'gd-police';
  const lie = await cli(['me', 'access-log', '--verify', '--json'], () => [200, { items: lying }]);
  assert.equal(lie.code, 1);
  assert.deepEqual(
    JSON.parse(lie.io.stdout()).items.map((i: any) => i.verified),
    [false, true, true, true, true],
  );

  // a changed entry no longer hashes to its leaf
  const changed = structuredClone(items);
  changed[1]!.entry = changed[1]!.entry.replace('"ok"', '"denied"');
  const ch = await cli(['me', 'access-log', '--verify'], () => [200, { items: changed }]);
  assert.equal(ch.code, 1);
  assert.match(ch.io.stdout(), /FAILED: the entry does not hash to its leaf hash/);
});

test('me records groups records by dataset', async () => {
  const items = [
    { dataset: 'residents', records: [rec(undefined, { name: '张三', sex: '1' })] },
    {
      dataset: 'nucleic-acid-results',
      records: [rec(undefined, { result: 'negative' }), rec(undefined, { result: 'positive' })],
    },
  ];
  const { code, io, seen } = await cli(['me', 'records', '--token', 'gsp_p'], () => [200, { items }]);
  assert.equal(code, 0);
  assert.equal(seen[0]!.path, '/api/v1/me/records');
  assert.equal(
    io.stdout(),
    'residents (1 record)\nname  sex\n张三  1\n\nnucleic-acid-results (2 records)\nresult\nnegative\npositive\n',
  );
});

test('person token prints only the token on stdout', async () => {
  const { code, io, seen } = await cli(
    ['person', 'token', '11010519491231002X', '--ttl', '30', '--token', 'gst_admin'],
    () => [201, { token: 'gsp_abc.def', subject: 'subj', expiresAt: '2026-01-01T00:30:00.000Z' }],
  );
  assert.equal(code, 0);
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.path, '/api/v1/persons/tokens');
  assert.deepEqual(JSON.parse(seen[0]!.body), { citizenId: '11010519491231002X', ttlMinutes: 30 });
  assert.equal(io.stdout(), 'gsp_abc.def\n');
  assert.match(io.stderr(), /subject subj, expires 2026-01-01T00:30:00.000Z/);
  const json = await cli(['person', 'token', '11010519491231002X', '--json'], () => [
    201,
    { token: 't', subject: 's', expiresAt: 'e' },
  ]);
  assert.deepEqual(JSON.parse(json.seen[0]!.body), { citizenId: '11010519491231002X' });
  assert.deepEqual(JSON.parse(json.io.stdout()), { token: 't', subject: 's', expiresAt: 'e' });
});

test('audit head, sign and entry (with its proof checked here)', async () => {
  const head = { treeSize: 5, root: 'ab'.repeat(32), time: '2026-01-09T00:00:00.000Z', kid: 'k1', signature: 'c2ln' };
  const h = await cli(['audit', 'head'], () => [200, head]);
  assert.equal(h.code, 0);
  assert.equal(h.seen[0]!.method, 'GET');
  assert.equal(h.seen[0]!.path, '/api/v1/audit/tree-head');
  assert.equal(
    h.io.stdout(),
    `tree size:  5\nroot:       ${head.root}\nsigned at:  2026-01-09T00:00:00.000Z\nkey id:     k1\nsignature:  c2ln\n`,
  );
  const s = await cli(['audit', 'sign', '--json'], () => [201, head]);
  assert.equal(s.seen[0]!.method, 'POST');
  assert.equal(s.seen[0]!.path, '/api/v1/audit/tree-heads');
  assert.deepEqual(JSON.parse(s.io.stdout()), head);

  const items = await provenLog(5);
  const e = await cli(['audit', 'entry', '2'], () => [200, items[2]]);
  assert.equal(e.code, 0, e.io.stderr());
  assert.equal(e.seen[0]!.path, '/api/v1/audit/entries/2');
  assert.match(e.io.stdout(), /\ninclusion: {2}verified\n/);
  assert.match(e.io.stdout(), /"action": "records.read"/);
  const forged = { ...items[2]!, seq: 3 };
  const bad = await cli(['audit', 'entry', '2', '--json'], () => [200, forged]);
  assert.equal(bad.code, 1);
  assert.equal(JSON.parse(bad.io.stdout()).verified, false);
  assert.match(bad.io.stderr(), /^govshare: entry 3: the proof does not lead to the root/);
});

test('audit verify --remote asks the server and exits 1 when the ledger does not verify', async () => {
  const report = {
    ok: false,
    treeSize: 9,
    entriesChecked: 9,
    headsChecked: 2,
    firstBadEntry: 4,
    problems: ['entry 4: its content no longer matches its leaf in the tree (changed)'],
  };
  const { code, io, seen } = await cli(['audit', 'verify', '--remote', '--token', 'gst_admin'], () => [200, report]);
  assert.equal(code, 1);
  assert.equal(seen[0]!.method, 'POST');
  assert.equal(seen[0]!.path, '/api/v1/audit/verify');
  assert.equal(seen[0]!.headers.get('authorization'), 'Bearer gst_admin');
  assert.equal(
    io.stdout(),
    'ledger:              DOES NOT VERIFY\ntree size:           9\nentries checked:     9\ntree heads checked:  2\nfirst bad entry:     4\n' +
      'problems:\n  entry 4: its content no longer matches its leaf in the tree (changed)\n',
  );
  assert.equal(io.stderr(), 'govshare: the audit ledger does not verify: entry 4 was changed or deleted\n');
  const good = await cli(['audit', 'verify', '--remote', '--json'], () => [
    200,
    { ...report, ok: true, firstBadEntry: null, problems: [] },
  ]);
  assert.equal(good.code, 0);
  assert.equal(JSON.parse(good.io.stdout()).ok, true);
});

test('keys status, rotate and reencrypt', async () => {
  const status = {
    running: true,
    activeKey: 'fk2',
    keys: ['fk1', 'fk2'],
    reencrypted: 120,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    error: null,
  };
  const st = await cli(['keys', 'status'], () => [200, status]);
  assert.equal(st.code, 0);
  assert.equal(st.seen[0]!.method, 'GET');
  assert.equal(st.seen[0]!.path, '/api/v1/admin/field-keys');
  assert.equal(
    st.io.stdout(),
    'active key:           fk2\nkeys:                 fk1, fk2\nre-encryption:        running\nvalues re-encrypted:  120\nstarted:              2026-01-01T00:00:00.000Z\n',
  );
  for (const [verb, out] of [
    ['rotate', /^active field key is now fk2;/],
    ['reencrypt', /^re-encrypting values under older keys to fk2/],
  ] as const) {
    const r = await cli(['keys', verb], () => [202, status]);
    assert.equal(r.code, 0);
    assert.equal(r.seen[0]!.method, 'POST');
    assert.equal(r.seen[0]!.path, `/api/v1/admin/field-keys/${verb}`);
    assert.equal(r.seen[0]!.body, '');
    assert.match(r.io.stdout(), out);
  }
});
