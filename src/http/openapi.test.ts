// The API contract: the document /openapi.json serves passes `redocly lint` (recommended rules, redocly.yaml), says
// what the server really does (ids, security, problem+json, media types), and gives a generated client named types.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { operationIdOf } from './openapi.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');

/** Runs a tool; resolves with its exit code and output (a non-zero exit is an answer, not a rejection). */
function run(cmd: string, args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = (doc: any): [string, string, any][] =>
  Object.entries<any>(doc.paths).flatMap(([url, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, string, any] => [m, url, item[m]]),
  );
const responseOf = (doc: any, r: any) =>
  typeof r.$ref === 'string' ? doc.components.responses[r.$ref.replace('#/components/responses/', '')] : r;

test('operation ids are derived from the method and the route', () => {
  assert.equal(operationIdOf('GET', '/api/v1/datasets/:id/records'), 'getDatasetsByIdRecords');
  assert.equal(operationIdOf('post', '/api/v1/datasets/{id}/records/search'), 'postDatasetsByIdRecordsSearch');
  assert.equal(operationIdOf('get', '/api/v1/risk-areas/divisions/:division'), 'getRiskAreasDivisionsByDivision');
  assert.equal(operationIdOf('get', '/healthz'), 'getHealthz');
});

describeEachEngine('the OpenAPI contract', (getPlatform) => {
  let server: TestServer;
  let doc: any;
  let dir: string;
  let file: string;
  before(async () => {
    server = await startTestServer(await getPlatform());
    const res = await client(server.url)('GET', '/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
    dir = mkdtempSync(join(tmpdir(), 'govshare-openapi-'));
    file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('redocly lint (recommended): no error, and no warning but the ones redocly.yaml explains', async () => {
    const out = await run(join(BIN, 'redocly'), ['lint', '--config', 'redocly.yaml', '--format=json', file]);
    const report = JSON.parse(out.stdout) as { totals: { errors: number }; problems: { ruleId: string }[] };
    assert.equal(report.totals.errors, 0, out.stdout.slice(0, 2000));
    assert.deepEqual([...new Set(report.problems.map((p) => p.ruleId))], ['no-ambiguous-paths']);
    assert.equal(out.code, 0);
  });

  test('servers, licence; every operation has a unique id, security ([] when public) and its problems', () => {
    assert.deepEqual(doc.servers, [{ url: '/', description: 'This govshare node' }]);
    assert.equal(doc.info.license.identifier, 'Apache-2.0');
    const ops = operations(doc);
    assert.ok(ops.length > 90, `${ops.length} operations`);
    const ids = ops.map(([, , op]) => op.operationId);
    assert.ok(
      ids.every((id) => typeof id === 'string'),
      'every operation has an id',
    );
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const [method, url, op] of ops) {
      const where = `${method} ${url}`;
      assert.ok(Array.isArray(op.security), `${where} declares security`);
      for (const status of ['400', '401', '429', '500']) assert.ok(op.responses[status], `${where} lists ${status}`);
      if (op.security.length > 0) assert.ok(op.responses['403'], `${where} lists 403`);
      if (url.includes('{')) assert.ok(op.responses['404'], `${where} lists 404`);
      if (op.requestBody) assert.ok(op.responses['413'] && op.responses['415'], `${where} lists 413 and 415`);
      if (!op.requestBody && method === 'get') assert.equal(op.responses['415'], undefined, `${where}: no 415`);
      if (url !== '/healthz') assert.ok(op.responses['503'], `${where} lists 503`);
      for (const [status, r] of Object.entries<any>(op.responses)) {
        if (Number(status) < 400) continue;
        assert.deepEqual(Object.keys(responseOf(doc, r).content), ['application/problem+json'], `${where} ${status}`);
      }
    }
    assert.deepEqual(doc.paths['/api/v1/elements'].get.security, []);
    assert.deepEqual(doc.paths['/api/v1/datasets'].get.security, [{ bearerAuth: [] }]);
    assert.equal(doc.paths['/healthz'].get.responses['503'], undefined, 'liveness is never shed');
    for (const status of ['429', '503']) assert.ok(doc.components.responses[`Problem${status}`].headers['Retry-After']);
  });

  test('what the server really answers is what the document says', async () => {
    const platform = await getPlatform();
    const admin = await makeDepartment(platform.db, { role: 'admin' });
    const cases: { method: string; path: string; url: string; token?: string; status: number }[] = [
      { method: 'get', path: '/api/v1/datasets', url: '/api/v1/datasets', status: 401 },
      { method: 'get', path: '/api/v1/elements', url: '/api/v1/elements', token: 'gst_not-a-token', status: 401 },
      {
        method: 'get',
        path: '/api/v1/datasets/{id}',
        url: '/api/v1/datasets/nothing-here',
        token: admin.token,
        status: 404,
      },
      { method: 'get', path: '/api/v1/departments', url: '/api/v1/departments', token: admin.token, status: 200 },
    ];
    for (const c of cases) {
      const res = await fetch(server.url + c.url, c.token ? { headers: { authorization: `Bearer ${c.token}` } } : {});
      await res.arrayBuffer();
      assert.equal(res.status, c.status, `${c.method} ${c.url}`);
      const declared = doc.paths[c.path][c.method].responses[String(res.status)];
      assert.ok(declared, `${c.method} ${c.path} documents ${res.status}`);
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
      assert.ok(Object.keys(responseOf(doc, declared).content).includes(type), `${c.path} ${res.status}: ${type}`);
    }
  });

  test('a resource the server sends has the fields its named schema lists, and no other', async () => {
    const platform = await getPlatform();
    const admin = await makeDepartment(platform.db, { role: 'admin' });
    const res = await client(server.url, admin.token)('GET', `/api/v1/departments/${admin.id}`);
    assert.equal(res.status, 200);
    const schema = doc.components.schemas.Department;
    for (const k of schema.required) assert.ok(k in res.body, `sent ${k}`);
    for (const k of Object.keys(res.body)) assert.ok(k in schema.properties, `${k} is documented`);
  });

  test('QR images and NDJSON reads are declared with their media types', () => {
    const code = doc.paths['/api/v1/me/code'].get.responses['200'].content;
    assert.deepEqual(Object.keys(code).sort(), ['application/json', 'image/png', 'image/svg+xml']);
    for (const [path, method] of [
      ['/api/v1/datasets/{id}/records', 'get'],
      ['/api/v1/datasets/{id}/records/search', 'post'],
    ] as const) {
      const content = doc.paths[path][method].responses['200'].content;
      assert.deepEqual(content['application/x-ndjson'].schema, { $ref: '#/components/schemas/RecordVersion' });
      assert.deepEqual(content['application/json'].schema, { $ref: '#/components/schemas/RecordPage' });
    }
  });

  test('every resource is a named schema, and no named schema loses a field', () => {
    const schemas = doc.components.schemas;
    for (const name of [
      'Dataset',
      'DatasetInput',
      'ShareRequest',
      'HealthStatus',
      'Department',
      'Element',
      'Receipt',
      'Correction',
      'RiskArea',
      'Appeal',
      'RecordVersion',
      'RecordPage',
      'IssuedCode',
      'TrustList',
      'TreeHead',
      'RuleSet',
      'TokenInfo',
      'Problem',
    ])
      assert.ok(schemas[name], `components.schemas.${name}`);
    assert.deepEqual(doc.paths['/api/v1/datasets/{id}'].get.responses['200'].content['application/json'].schema, {
      $ref: '#/components/schemas/Dataset',
    });
    // The lifted Dataset keeps every property of the schema the route serializes with (the route files' TypeBox).
    assert.ok(
      ['id', 'owner', 'title', 'fields', 'sharingClass', 'version'].every((k) => schemas.Dataset.properties[k]),
    );
    assert.deepEqual(schemas.Dataset.properties.title, { $ref: '#/components/schemas/Localized' });
  });

  test('openapi-typescript makes named types of the document, and they compile', async () => {
    const types = join(dir, 'api.d.ts');
    const gen = await run(join(BIN, 'openapi-typescript'), [file, '-o', types]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(readFileSync(types, 'utf8'), /\bDataset: \{/);
    writeFileSync(
      join(dir, 'use.ts'),
      [
        "import type { components, operations, paths } from './api.js';",
        "type S = components['schemas'];",
        "export type Named = [S['Dataset'], S['ShareRequest'], S['HealthStatus'], S['Department'], S['Element'],",
        "  S['Receipt'], S['Correction'], S['RiskArea'], S['Appeal'], S['RecordVersion'], S['Problem']];",
        "export const title = (d: S['Dataset']): string => d.title['zh-CN'];",
        "export type Get = operations['getDatasetsById']['responses'][200]['content']['application/json'];",
        "export type Problem = operations['getDatasetsById']['responses'][404]['content']['application/problem+json'];",
        'export const check = (g: Get, p: Problem): [string, string] => [g.id, p.code];',
        "export type Png = paths['/api/v1/me/code']['get']['responses'][200]['content']['image/png'];",
        '',
      ].join('\n'),
    );
    const tsc = await run(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--noEmit',
      '--strict',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--skipLibCheck',
      'false',
      join(dir, 'use.ts'),
    ]);
    assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  });
});
