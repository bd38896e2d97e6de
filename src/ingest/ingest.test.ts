import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';
import type { Db } from '../db/types.js';
import type { RunningPlatform } from '../node/platform.js';

const id = (n: number) => generateCitizenId('440106', '19900101', n);
const BAD_ID = id(1).slice(0, 17) + (id(1).endsWith('0') ? '1' : '0');

const dataset = (dsId: string) => ({
  id: dsId,
  title: { 'zh-CN': '核酸检测结果', en: 'NAT results' },
  description: { 'zh-CN': '测试', en: 'test' },
  fields: [
    { name: 'citizen_id', element: 'citizen_id', required: true },
    { name: 'sample_time', element: 'nat_sample_time', required: true },
    { name: 'result', element: 'nat_result', required: true },
    { name: 'lab_code', element: 'lab_code' },
  ],
  key: ['citizen_id', 'sample_time'],
  updateFrequency: 'realtime',
  coverage: { region: '440000' },
  sharingClass: 'unconditional',
});

/** Everything a dataset holds, to compare before and after a failed batch. */
async function snapshot(db: Db, dsId: string) {
  const rows = await db.query(
    'SELECT record_key, version, hash, valid_to IS NULL AS current FROM records WHERE dataset_id = $1 ORDER BY record_key, version',
    [dsId],
  );
  const meta = await db.query('SELECT record_count FROM datasets WHERE id = $1', [dsId]);
  return JSON.stringify({ rows: rows.rows, meta: meta.rows });
}

describeEachEngine('ingest', (getDb) => {
  let server: TestServer;
  let db: Db;
  let platform: RunningPlatform;
  let owner: { id: string; token: string };
  let other: { id: string; token: string };
  let api: ReturnType<typeof client>;
  let n = 0;
  // The owner looks a record up by key in a request body (no key in a URL).
  const byKey = async (ds: string, key: string) => {
    const res = await api('POST', `/api/v1/datasets/${ds}/records/search`, { key });
    return { status: res.status, body: res.body.items?.[0] ?? res.body };
  };
  const newDataset = async () => {
    const dsId = `nat-${++n}-${Math.random().toString(36).slice(2, 6)}`;
    const res = await api('POST', '/api/v1/datasets', dataset(dsId));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return dsId;
  };

  before(async () => {
    platform = await getDb();
    db = platform.db;
    server = await startTestServer(platform, { maxIngestBytes: 200_000 });
    owner = await makeDepartment(db);
    other = await makeDepartment(db);
    api = client(server.url, owner.token);
  });
  after(async () => server.close());

  test('JSON rows land, bad rows are listed with row, element and reason, and good rows still land', async () => {
    const ds = await newDataset();
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: id(1), sample_time: '2022-05-01T08:30:00+08:00', result: 'negative', lab_code: 'GZ-LAB1' },
      { citizen_id: BAD_ID, sample_time: '2022-05-01T08:30:00+08:00', result: 'negative' },
      { citizen_id: id(2), sample_time: 'yesterday', result: 'maybe' },
      { citizen_id: id(3), sample_time: '2022-05-01 09:00:00', result: 'positive' },
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.equal(r.status, 'committed');
    assert.deepEqual([r.rowsTotal, r.rowsAccepted, r.rowsRejected, r.inserted], [4, 2, 2, 2]);
    const byRow = (row: number) => r.rejected.filter((x: any) => x.row === row);
    assert.deepEqual(
      byRow(2).map((x: any) => [x.field, x.element, x.code]),
      [['citizen_id', 'citizen_id', 'check_character']],
    );
    assert.deepEqual(
      byRow(3)
        .map((x: any) => x.code)
        .sort(),
      ['format', 'value_set'],
    );
    assert.ok(byRow(3).every((x: any) => typeof x.message === 'string' && x.message.length > 0));
    // Times are normalised to UTC; a time without an offset is China Standard Time.
    const rec = await byKey(ds, `${id(3)}|2022-05-01T01:00:00.000Z`);
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    assert.equal(rec.body.data.result, 'positive');
  });

  test('re-sending the same batch adds nothing; a changed row becomes a new version with history kept', async () => {
    const ds = await newDataset();
    const rows = [
      { citizen_id: id(10), sample_time: '2022-05-01T08:00:00Z', result: 'negative' },
      { citizen_id: id(11), sample_time: '2022-05-01T08:00:00Z', result: 'negative' },
    ];
    const first = await api('POST', `/api/v1/datasets/${ds}/records`, rows);
    assert.deepEqual([first.body.inserted, first.body.updated, first.body.unchanged], [2, 0, 0]);
    const again = await api('POST', `/api/v1/datasets/${ds}/records`, rows);
    assert.deepEqual([again.body.inserted, again.body.updated, again.body.unchanged], [0, 0, 2]);
    const changed = await api('POST', `/api/v1/datasets/${ds}/records`, [{ ...rows[0], result: 'positive' }, rows[1]]);
    assert.deepEqual([changed.body.inserted, changed.body.updated, changed.body.unchanged], [0, 1, 1]);
    const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM records WHERE dataset_id = $1', [ds]);
    assert.equal(count.rows[0]!.n, 3);
    const { handle } = (await byKey(ds, `${id(10)}|2022-05-01T08:00:00.000Z`)).body;
    const hist = await api('GET', `/api/v1/datasets/${ds}/records/${handle}/history`);
    assert.deepEqual(
      hist.body.items.map((v: any) => [v.version, v.data.result, v.validTo === null]),
      [
        [1, 'negative', false],
        [2, 'positive', true],
      ],
    );
    const meta = await api('GET', `/api/v1/datasets/${ds}`);
    assert.equal(meta.body.recordCount, 2);
  });

  test('within one batch the later row for a key wins', async () => {
    const ds = await newDataset();
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: id(20), sample_time: '2022-05-02T08:00:00Z', result: 'negative' },
      { citizen_id: id(20), sample_time: '2022-05-02T08:00:00Z', result: 'positive' },
    ]);
    assert.deepEqual([res.body.inserted, res.body.duplicatesInBatch], [1, 1]);
    const rec = await byKey(ds, `${id(20)}|2022-05-02T08:00:00.000Z`);
    assert.equal(rec.body.data.result, 'positive');
  });

  test('NDJSON streams in; a line that is not JSON is one bad row', async () => {
    const ds = await newDataset();
    const body = [
      JSON.stringify({ citizen_id: id(30), sample_time: '2022-05-03T08:00:00Z', result: 'negative' }),
      '{not json',
      '',
      JSON.stringify({ citizen_id: id(31), sample_time: '2022-05-03T08:00:00Z', result: 'negative', shoe_size: 42 }),
      JSON.stringify({ citizen_id: id(32), sample_time: '2022-05-03T08:00:00Z', result: 'negative' }),
    ].join('\n');
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, body, { 'content-type': 'application/x-ndjson' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.rowsTotal, res.body.inserted], [4, 2]);
    assert.deepEqual(
      res.body.rejected.map((x: any) => [x.row, x.code]),
      [
        [2, 'malformed'],
        [3, 'unknown_field'],
      ],
    );
  });

  test('CSV streams in, quoted cells and a BOM included; a short row is one bad row', async () => {
    const ds = await newDataset();
    const csv = `\uFEFFcitizen_id,sample_time,result,lab_code\n${id(40)},2022-05-04T08:00:00Z,negative,"GZ-LAB2"\n${id(41)},2022-05-04T08:00:00Z\n${id(42)},"2022-05-04T09:00:00Z",positive,\n`;
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, csv, { 'content-type': 'text/csv; charset=utf-8' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.rowsTotal, res.body.inserted, res.body.rowsRejected], [3, 2, 1]);
    assert.equal(res.body.rejected[0].row, 2);
    assert.equal(res.body.rejected[0].code, 'malformed');
  });

  test('a streamed CSV of 20,000 rows arrives chunk by chunk and lands whole', async () => {
    const ds = await newDataset();
    const big = await startTestServer(platform); // default (large) ingest limit
    try {
      const total = 20_000;
      let i = 0;
      const enc = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i === 0) controller.enqueue(enc.encode('citizen_id,sample_time,result\n'));
          let chunk = '';
          for (let k = 0; k < 1000 && i < total; k++, i++)
            chunk += `${generateCitizenId('440106', String(19500101 + Math.floor(i / 1000) * 10000), i % 1000)},2022-05-05T08:00:00Z,negative\n`;
          controller.enqueue(enc.encode(chunk));
          if (i >= total) controller.close();
        },
      });
      const res = await client(big.url, owner.token)('POST', `/api/v1/datasets/${ds}/records`, stream, {
        'content-type': 'text/csv',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
      assert.deepEqual([res.body.rowsTotal, res.body.inserted, res.body.rowsRejected], [total, total, 0]);
    } finally {
      await big.close();
    }
  });

  test('atomic=true: one bad row and nothing is stored (422 with the receipt)', async () => {
    const ds = await newDataset();
    const res = await api('POST', `/api/v1/datasets/${ds}/records?atomic=true`, [
      { citizen_id: id(50), sample_time: '2022-05-06T08:00:00Z', result: 'negative' },
      { citizen_id: BAD_ID, sample_time: '2022-05-06T08:00:00Z', result: 'negative' },
    ]);
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'batch_rejected');
    assert.equal(res.body.receipt.rowsRejected, 1);
    assert.equal((await db.query('SELECT 1 FROM records WHERE dataset_id = $1', [ds])).rows.length, 0);
    const batch = await api('GET', `/api/v1/ingest/batches/${res.body.receipt.batchId}`);
    assert.equal(batch.body.status, 'rejected');
    const rejects = await api('GET', `/api/v1/ingest/batches/${res.body.receipt.batchId}/rejects`);
    assert.equal(rejects.body.total, 1);
  });

  test('every row rejected: 422 all_rows_rejected', async () => {
    const ds = await newDataset();
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: BAD_ID, sample_time: '2022-05-06T08:00:00Z', result: 'negative' },
    ]);
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'all_rows_rejected');
  });

  test('bad input gets a clear 4xx and leaves the dataset exactly as it was', async () => {
    const ds = await newDataset();
    await api('POST', `/api/v1/datasets/${ds}/records`, [
      { citizen_id: id(60), sample_time: '2022-05-07T08:00:00Z', result: 'negative' },
      { citizen_id: id(61), sample_time: '2022-05-07T08:00:00Z', result: 'negative' },
    ]);
    const before = await snapshot(db, ds);
    const path = `/api/v1/datasets/${ds}/records`;
    const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
      [
        'malformed JSON',
        () => api('POST', path, '[{"citizen_id": ', { 'content-type': 'application/json' }),
        400,
        'malformed_json',
      ],
      ['JSON that is not rows', () => api('POST', path, { rows: [] }), 400, 'validation_failed'],
      [
        'unclosed CSV quote after good rows',
        () =>
          api(
            'POST',
            path,
            `citizen_id,sample_time,result\n${id(62)},2022-05-07T08:00:00Z,positive\n"${id(63)},2022-05-07T08:00:00Z,negative\n`,
            { 'content-type': 'text/csv' },
          ),
        400,
        'csv_malformed',
      ],
      [
        'unknown CSV column',
        () =>
          api('POST', path, `citizen_id,sample_time,result,shoe_size\n${id(64)},2022-05-07T08:00:00Z,negative,42\n`, {
            'content-type': 'text/csv',
          }),
        400,
        'unknown_field',
      ],
      ['empty CSV', () => api('POST', path, '', { 'content-type': 'text/csv' }), 400, 'csv_malformed'],
      [
        'wrong content type',
        () => api('POST', path, 'citizen_id=1', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
      ],
      [
        'oversized JSON body',
        () =>
          api('POST', `/api/v1/departments/${owner.id}`, 'x'.repeat(2 * 1024 * 1024), {
            'content-type': 'application/json',
          }),
        413,
        'payload_too_large',
      ],
      [
        'oversized stream',
        () =>
          api(
            'POST',
            path,
            `citizen_id,sample_time,result\n` + `${id(65)},2022-05-07T08:00:00Z,negative\n`.repeat(6000),
            { 'content-type': 'text/csv' },
          ),
        413,
        'payload_too_large',
      ],
      ['unknown dataset', () => api('POST', '/api/v1/datasets/no-such-dataset/records', []), 404, 'dataset_not_found'],
      ['unknown profile', () => api('POST', `${path}?profile=nope`, []), 404, 'profile_not_found'],
      ['unknown query parameter', () => api('POST', `${path}?fast=yes`, []), 400, 'validation_failed'],
      [
        'another department writes',
        () =>
          client(server.url, other.token)('POST', path, [
            { citizen_id: id(66), sample_time: '2022-05-07T08:00:00Z', result: 'negative' },
          ]),
        403,
        'not_dataset_owner',
      ],
      [
        'no token',
        () =>
          client(server.url)('POST', path, [
            { citizen_id: id(67), sample_time: '2022-05-07T08:00:00Z', result: 'negative' },
          ]),
        401,
        'unauthorized',
      ],
      ['bad token', () => client(server.url, 'gst_nope')('POST', path, []), 401, 'invalid_token'],
    ];
    for (const [what, call, status, code] of cases) {
      const res = await call();
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body?.code, code, `${what}: ${JSON.stringify(res.body)}`);
      assert.ok(
        typeof res.body.detail === 'string' && res.body.detail.length > 5,
        `${what}: a detail says what was wrong`,
      );
      assert.equal(await snapshot(db, ds), before, `${what}: the dataset is unchanged`);
    }
    const staging = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'ingest_stage_%' AND schemaname = current_schema()`,
    );
    assert.equal(staging.rows[0]!.n, 0, 'failed batches leave no staging table behind');
    const failed = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ingest_batches WHERE dataset_id = $1 AND status = 'failed'`,
      [ds],
    );
    assert.ok(failed.rows[0]!.n >= 3, 'failed batches are recorded as failed');
  });

  test('a mapping profile renames columns, parses local dates and translates codes', async () => {
    const ds = await newDataset();
    const put = await api('PUT', `/api/v1/datasets/${ds}/mappings/lis`, {
      columns: { 身份证号: 'citizen_id', 采样时间: 'sample_time', 检测结果: 'result' },
      ignore: ['备注'],
      dateFormats: { sample_time: 'YYYY/MM/DD HH:mm' },
      codes: { result: { 阴性: 'negative', 阳性: 'positive' } },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const csv = `身份证号,采样时间,检测结果,备注\n${id(70)},2022/05/08 09:30,阴性,ok\n${id(71)},08-05-2022,阳性,\n${id(72)},2022/05/08 10:00,可疑,\n`;
    const res = await api('POST', `/api/v1/datasets/${ds}/records?profile=lis`, csv, { 'content-type': 'text/csv' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.inserted, 1);
    assert.deepEqual(
      res.body.rejected.map((x: any) => [x.row, x.field, x.code]),
      [
        [2, 'sample_time', 'date_format'],
        [2, 'sample_time', 'required'],
        [3, 'result', 'value_set'],
      ],
    );
    const rec = await byKey(ds, `${id(70)}|2022-05-08T01:30:00.000Z`);
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    assert.equal(rec.body.data.result, 'negative');
    const broken = await api('PUT', `/api/v1/datasets/${ds}/mappings/bad`, { columns: { x: 'not_a_field' } });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.code, 'invalid_mapping');
  });

  test('receipts speak Chinese when asked', async () => {
    const ds = await newDataset();
    const res = await api(
      'POST',
      `/api/v1/datasets/${ds}/records`,
      [
        { citizen_id: id(80), sample_time: '2022-05-09T08:00:00Z' },
        { citizen_id: id(81), sample_time: '2022-05-09T08:00:00Z', result: 'negative' },
      ],
      { 'accept-language': 'zh-CN,zh;q=0.9' },
    );
    assert.match(res.body.rejected[0].message, /必填/);
  });
});
