// Batch reads: only who may see a batch learns it exists; a failed batch's counts are what was read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';
import type { RunningPlatform } from '../node/platform.js';

const id = (n: number) => generateCitizenId('440106', '19790909', n);
const TIME = '2022-07-01T08:00:00Z';

describeEachEngine('ingest batches', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let owner: { id: string; token: string };
  let api: ReturnType<typeof client>;
  let n = 0;

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform, { maxIngestBytes: 100_000 });
    owner = await makeDepartment(platform.db);
    api = client(server.url, owner.token);
  });
  after(async () => server.close());

  const newDataset = async () => {
    const dsId = `bt-${Math.random().toString(36).slice(2, 7)}-${++n}`;
    const res = await api('POST', '/api/v1/datasets', {
      id: dsId,
      title: { 'zh-CN': '测试', en: 'Test' },
      description: { 'zh-CN': '测试', en: 'test' },
      fields: [
        { name: 'citizen_id', element: 'citizen_id', required: true },
        { name: 'sample_time', element: 'nat_sample_time', required: true },
        { name: 'result', element: 'nat_result', required: true },
      ],
      key: ['citizen_id', 'sample_time'],
      updateFrequency: 'daily',
      coverage: { region: '440000' },
      sharingClass: 'unconditional',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return dsId;
  };

  /** The audit entry of a batch (its records.write entry). */
  async function auditOf(batchId: string): Promise<any> {
    const res = await platform.db.query<{ entry: string }>(
      `SELECT entry FROM audit_entries WHERE entry LIKE $1 ORDER BY seq DESC LIMIT 1`,
      [`%"batch":"${batchId}"%`],
    );
    assert.ok(res.rows[0], `an audit entry for ${batchId}`);
    return JSON.parse(res.rows[0].entry);
  }

  test('a batch that fails half-way keeps the counts of what was read, as its audit entry and problem say', async () => {
    const ds = await newDataset();
    const good = Array.from({ length: 40 }, (_, i) => `${id(i + 1)},${TIME},negative\n`).join('');
    const cases: [string, string, number, string, number, number][] = [
      // what, body, status, code, rows read, of them rejected
      [
        'an unclosed quote after 40 good rows and a bad one',
        `citizen_id,sample_time,result\n${good}${id(99)},${TIME},maybe\n"${id(100)},${TIME},negative\n`,
        400,
        'csv_malformed',
        41,
        1,
      ],
      [
        'over the size limit',
        `citizen_id,sample_time,result\n` + `${id(200)},${TIME},negative\n`.repeat(3000),
        413,
        'payload_too_large',
        -1, // whatever was read before the limit: more than none, and the same everywhere
        0,
      ],
    ];
    for (const [what, body, status, code, rows, rejected] of cases) {
      const res = await api('POST', `/api/v1/datasets/${ds}/records`, body, { 'content-type': 'text/csv' });
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, what);
      const batchId = res.body.batchId;
      assert.match(batchId, /^bat_/, `${what}: the problem names the failed batch`);
      const batch = await api('GET', `/api/v1/ingest/batches/${batchId}`);
      assert.equal(batch.status, 200, JSON.stringify(batch.body));
      assert.equal(batch.body.status, 'failed', what);
      assert.equal(batch.body.error.code, code, what);
      const entry = await auditOf(batchId);
      assert.deepEqual([entry.action, entry.outcome, entry.reason], ['records.write', 'failed', code], what);
      if (rows >= 0) assert.equal(batch.body.rowsTotal, rows, what);
      else assert.ok(batch.body.rowsTotal > 0, `${what}: ${batch.body.rowsTotal} rows read`);
      assert.equal(batch.body.rowsTotal, entry.detail.rows, `${what}: the batch and its audit entry agree`);
      assert.equal(batch.body.rowsRejected, rejected, what);
      assert.equal(entry.detail.rejected, rejected, what);
      assert.deepEqual([batch.body.inserted, batch.body.updated, batch.body.unchanged], [0, 0, 0], what);
      assert.ok(batch.body.finishedAt, what);
    }
    const stored = await platform.db.query('SELECT 1 FROM records WHERE dataset_id = $1', [ds]);
    assert.equal(stored.rows.length, 0, 'nothing of the failed batches was stored');
  });

  test('whoever may not see a batch gets the same 404 as for a batch that does not exist', async () => {
    const ds = await newDataset();
    const ok = await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: id(300), sample_time: TIME, result: 'negative' },
      { citizen_id: id(301), sample_time: TIME, result: 'maybe' },
    ]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const real = ok.body.batchId as string;
    const mine = await api('GET', `/api/v1/ingest/batches/${real}`);
    assert.equal(mine.status, 200);
    assert.equal((await api('GET', `/api/v1/ingest/batches/${real}/rejects`)).body.total, 1);

    const other = await makeDepartment(platform.db);
    const admin = await makeDepartment(platform.db, { role: 'admin' });
    const unknown = 'bat_AAAAAAAAAAAAAAAAAAAAAAAA';
    for (const [who, token] of [
      ['another department', other.token],
      ['an administrator', admin.token],
    ] as const) {
      const as = client(server.url, token);
      for (const suffix of ['', '/rejects']) {
        const seen = await as('GET', `/api/v1/ingest/batches/${real}${suffix}`);
        const none = await as('GET', `/api/v1/ingest/batches/${unknown}${suffix}`);
        assert.equal(seen.status, 404, `${who}${suffix}: ${JSON.stringify(seen.body)}`);
        assert.equal(seen.body.code, 'batch_not_found');
        const { instance: _a, ...a } = seen.body;
        const { instance: _b, ...b } = none.body;
        assert.deepEqual(a, b, `${who}${suffix}: a real batch and an unknown one look the same`);
        assert.doesNotMatch(seen.body.detail, /write records|owner|bat_/i, 'a neutral detail');
      }
    }
    const anonymous = await client(server.url)('GET', `/api/v1/ingest/batches/${real}`);
    assert.equal(anonymous.status, 401);
  });

  test('a NUL, a lone surrogate or an overlong id in the ingest routes’ paths and queries is a 4xx', async () => {
    const ds = await newDataset();
    const ok = await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: id(400), sample_time: TIME, result: 'maybe' },
      { citizen_id: id(401), sample_time: TIME, result: 'negative' },
    ]);
    const real = ok.body.batchId as string;
    const paths: [string, string][] = [
      ['GET', '/api/v1/ingest/batches/bat_a%00b'],
      ['GET', '/api/v1/ingest/batches/bat_a%00b/rejects'],
      ['GET', '/api/v1/ingest/batches/bat_%ED%A0%80'],
      ['GET', `/api/v1/ingest/batches/bat_${'x'.repeat(5000)}`],
      ['GET', `/api/v1/ingest/batches/${real}/rejects?offset=99999999999999999999`],
      ['GET', `/api/v1/ingest/batches/${real}/rejects?offset=1e308`],
      ['GET', `/api/v1/ingest/batches/${real}/rejects?limit=1e308`],
      ['GET', `/api/v1/ingest/batches/${real}/rejects?offset=Infinity`],
      ['POST', '/api/v1/datasets/a%00b/records'],
      ['POST', `/api/v1/datasets/${ds}/records?profile=a%00b`],
      ['GET', '/api/v1/datasets/a%00b/mappings'],
      ['GET', `/api/v1/datasets/${ds}/mappings/a%00b`],
    ];
    for (const [method, path] of paths) {
      const res = await api(method, path, method === 'POST' ? [] : undefined);
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 80)}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.code, 'string');
    }
  });
});
