// Rows the database cannot store as sent (a NUL, a lone surrogate, a number out of range) are rejected in the
// receipt with a reason; the good rows of the batch land, on every format and both engines.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';
import type { RunningPlatform } from '../node/platform.js';

const id = (n: number) => generateCitizenId('440106', '19850303', n);
const TIME = '2022-06-01T08:00:00Z';

describeEachEngine('ingest: rows the database cannot store', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let ownerToken: string;
  let api: ReturnType<typeof client>;
  let n = 0;
  const tag = Math.random().toString(36).slice(2, 7);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    const admin = await makeDepartment(platform.db, { role: 'admin' });
    const owner = await makeDepartment(platform.db);
    const asAdmin = client(server.url, admin.token);
    // Numbers with no declared range: only what can be stored exactly bounds them.
    for (const [code, type] of [
      [`t_count_${tag}`, 'integer'],
      [`t_amount_${tag}`, 'number'],
    ]) {
      const res = await asAdmin('POST', '/api/v1/elements', {
        code,
        name: { 'zh-CN': '测试数值', en: 'Test number' },
        type,
        sensitivity: 1,
        mask: { type: 'none' },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    api = client(server.url, owner.token);
    ownerToken = owner.token;
  });
  after(async () => server.close());

  const newDataset = async () => {
    const dsId = `odd-${tag}-${++n}`;
    const res = await api('POST', '/api/v1/datasets', {
      id: dsId,
      title: { 'zh-CN': '测试', en: 'Test' },
      description: { 'zh-CN': '测试', en: 'test' },
      fields: [
        { name: 'citizen_id', element: 'citizen_id', required: true },
        { name: 'sample_time', element: 'nat_sample_time', required: true },
        { name: 'person_name', element: 'person_name' },
        { name: 'lab_code', element: 'lab_code' },
        { name: 'division_code', element: 'division_code' },
        { name: 'count', element: `t_count_${tag}` },
        { name: 'amount', element: `t_amount_${tag}` },
      ],
      key: ['citizen_id', 'sample_time'],
      updateFrequency: 'daily',
      coverage: { region: '440000' },
      sharingClass: 'unconditional',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return dsId;
  };

  /** The receipt: 200, committed, the good rows stored and readable, each bad row listed once with its reason. */
  async function expectReceipt(
    ds: string,
    res: { status: number; body: any },
    good: number[],
    bad: [row: number, field: string | null, code: string][],
  ) {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body;
    assert.equal(r.status, 'committed');
    assert.deepEqual(
      [r.rowsTotal, r.rowsAccepted, r.rowsRejected, r.inserted],
      [good.length + bad.length, good.length, bad.length, good.length],
    );
    assert.deepEqual(
      r.rejected.map((x: any) => [x.row, x.field, x.code]),
      bad,
    );
    for (const x of r.rejected) {
      assert.ok(typeof x.message === 'string' && x.message.length > 5, `a message for row ${x.row}`);
      // eslint-disable-next-line no-control-regex -- a NUL is what must not be there
      assert.doesNotMatch(x.message, /[\u0000\ud800-\udfff]/, 'the message holds no unstorable character');
      assert.doesNotMatch(x.message, /\d{17}[\dX]/, 'the message echoes no ID number');
    }
    const stored = await platform.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM records WHERE dataset_id = $1',
      [ds],
    );
    assert.equal(stored.rows[0]!.n, good.length);
    // Every reject is kept (both languages) and can be listed again.
    const listed = await api('GET', `/api/v1/ingest/batches/${r.batchId}/rejects`, undefined, {
      'accept-language': 'zh-CN',
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.total, bad.length);
    assert.ok(
      listed.body.items.every((x: any) => /[\u4e00-\u9fff]/.test(x.message)),
      'Chinese messages kept',
    );
    const batch = await api('GET', `/api/v1/ingest/batches/${r.batchId}`);
    assert.deepEqual([batch.body.status, batch.body.rowsTotal], ['committed', good.length + bad.length]);
  }

  test('JSON: a NUL, a lone surrogate, a huge integer or number is one bad row; good rows land', async () => {
    const ds = await newDataset();
    const res = await api(
      'POST',
      `/api/v1/datasets/${ds}/records`,
      // Written by hand: JSON.stringify would not let 99999999999999999999 and 1e999 through as they are.
      `[
        {"citizen_id": "${id(1)}", "sample_time": "${TIME}", "person_name": "张三", "count": 3, "amount": 2.5},
        {"citizen_id": "${id(2)}", "sample_time": "${TIME}", "person_name": "李\\u0000四"},
        {"citizen_id": "${id(3)}", "sample_time": "${TIME}", "person_name": "王\\ud800五"},
        {"citizen_id": "${id(4)}", "sample_time": "${TIME}", "lab_code": "GZ\\u0000LAB"},
        {"citizen_id": "${id(5)}", "sample_time": "${TIME}", "count": 99999999999999999999},
        {"citizen_id": "${id(6)}", "sample_time": "${TIME}", "amount": 1e999},
        {"citizen_id": "${id(7)}", "sample_time": "${TIME}", "division_code": 99999999999999999999},
        {"citizen_id": "${id(8)}", "sample_time": "2022-06-01T08:00:00\\u0000Z"},
        {"citizen_id": "${id(9)}", "sample_time": "${TIME}", "amount": 1e308, "count": -9007199254740991},
        {"citizen_id": "${id(10)}", "sample_time": "${TIME}", "nick\\u0000name": "x"},
        {"citizen_id": "${id(11)}", "sample_time": "${TIME}", "lab_code": "ID ${id(11)}"}
      ]`,
      { 'content-type': 'application/json' },
    );
    await expectReceipt(
      ds,
      res,
      [1, 9],
      [
        [2, 'person_name', 'invalid_characters'],
        [3, 'person_name', 'invalid_characters'],
        [4, 'lab_code', 'invalid_characters'],
        [5, 'count', 'number_out_of_range'],
        [6, 'amount', 'number_out_of_range'],
        [7, 'division_code', 'number_out_of_range'],
        [8, 'sample_time', 'invalid_characters'],
        [10, 'nick\ufffdname', 'unknown_field'],
        [11, 'lab_code', 'pattern'], // an ID number in the wrong column: not quoted back, though lab codes are public
      ],
    );
  });

  test('NDJSON: the same rows, and a line that is not JSON, each one bad row; good rows land', async () => {
    const ds = await newDataset();
    const lines = [
      `{"citizen_id": "${id(11)}", "sample_time": "${TIME}", "person_name": "张三"}`,
      `{"citizen_id": "${id(12)}", "sample_time": "${TIME}", "person_name": "李\\u0000四"}`,
      `{"citizen_id": "${id(13)}", "sample_time": "${TIME}", "person_name": "\\udc00"}`,
      `{"citizen_id": "${id(14)}", "sample_time": "${TIME}", "count": 99999999999999999999}`,
      `{"citizen_id": "${id(15)}", "sample_time": "${TIME}", "amount": -1e400}`,
      `{"citizen_id": "${id(16)}", "sample_time": "${TIME}", "amount": Infinity}`,
      `{"citizen_id": "${id(17)}", "sample_time": "${TIME}", "amount": NaN}`,
      `{"citizen_id": "${id(18)}", "sample_time": "${TIME}", "person_name": "raw\u0000nul"}`,
      `{"citizen_id": "${id(19)}", "sample_time": "${TIME}", "amount": 1e308}`,
    ];
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, lines.join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    await expectReceipt(
      ds,
      res,
      [1, 9],
      [
        [2, 'person_name', 'invalid_characters'],
        [3, 'person_name', 'invalid_characters'],
        [4, 'count', 'number_out_of_range'],
        [5, 'amount', 'number_out_of_range'],
        [6, null, 'malformed'],
        [7, null, 'malformed'],
        [8, null, 'malformed'],
      ],
    );
  });

  test('CSV: a NUL byte, a number out of range, Infinity and NaN, each one bad row; good rows land', async () => {
    const ds = await newDataset();
    const csv =
      'citizen_id,sample_time,person_name,count,amount\n' +
      `${id(21)},${TIME},张三,7,1.5\n` +
      `${id(22)},${TIME},李\u0000四,,\n` +
      `${id(23)},${TIME},,99999999999999999999,\n` +
      `${id(24)},${TIME},,,1e309\n` +
      `${id(25)},${TIME},,,Infinity\n` +
      `${id(26)},${TIME},,,-Infinity\n` +
      `${id(27)},${TIME},,,NaN\n` +
      `${id(28)},"${TIME}\u0000",,,\n` +
      `${id(29)},${TIME},王五,9007199254740991,1e308\n`;
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, csv, { 'content-type': 'text/csv' });
    await expectReceipt(
      ds,
      res,
      [1, 9],
      [
        [2, 'person_name', 'invalid_characters'],
        [3, 'count', 'number_out_of_range'],
        [4, 'amount', 'number_out_of_range'],
        [5, 'amount', 'number_out_of_range'],
        [6, 'amount', 'number_out_of_range'],
        [7, 'amount', 'type'],
        [8, 'sample_time', 'invalid_characters'],
      ],
    );
  });

  test('CSV: bytes that are not UTF-8 (a GBK export) are rejected, not stored as replacement marks', async () => {
    const ds = await newDataset();
    const head = Buffer.from(`citizen_id,sample_time,person_name\n${id(31)},${TIME},张三\n${id(32)},${TIME},`);
    const gbk = Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]); // 张三 in GBK
    const body = Buffer.concat([head, gbk, Buffer.from('\n')]);
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, new Uint8Array(body), {
      'content-type': 'text/csv',
    });
    await expectReceipt(ds, res, [1], [[2, 'person_name', 'invalid_characters']]);
  });

  test('a NUL in a CSV header or a mapping profile is a 400 that names it; the batch is failed, not left running', async () => {
    const ds = await newDataset();
    const res = await api(
      'POST',
      `/api/v1/datasets/${ds}/records`,
      `citizen_id,sample_time,no\u0000te\n${id(51)},${TIME},x\n`,
      { 'content-type': 'text/csv' },
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, 'unknown_field');
    assert.match(res.body.detail, /no\ufffdte/);
    const batch = await api('GET', `/api/v1/ingest/batches/${res.body.batchId}`);
    assert.deepEqual([batch.body.status, batch.body.error.code], ['failed', 'unknown_field']);
    const staging = await platform.db.query(
      `SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'ingest\\_stage\\_%'`,
    );
    assert.equal(staging.rows.length, 0, 'no staging table left');
    // A file without its header: the first row is taken for one. The uploader is told which columns are unknown,
    // the batch does not keep them (they are a person's data).
    const headless = await api('POST', `/api/v1/datasets/${ds}/records`, `${id(52)},${TIME},张三丰\n`, {
      'content-type': 'text/csv',
    });
    assert.equal(headless.status, 400, JSON.stringify(headless.body));
    assert.equal(headless.body.code, 'unknown_field');
    assert.match(headless.body.detail, /looks like a row of data/);
    assert.doesNotMatch(JSON.stringify(headless.body), new RegExp(`${id(52).slice(0, 10)}|张三丰`));
    const kept = await api('GET', `/api/v1/ingest/batches/${headless.body.batchId}`);
    assert.equal(kept.body.error.code, 'unknown_field');
    assert.match(kept.body.error.detail, /neither fields of the dataset nor mapped/);
    const row = await platform.db.query<{ error: unknown }>('SELECT error FROM ingest_batches WHERE id = $1', [
      headless.body.batchId,
    ]);
    assert.doesNotMatch(JSON.stringify(row.rows[0]!.error), new RegExp(`${id(52).slice(0, 10)}|张三丰`));
    for (const spec of [
      { columns: { '身份\u0000证号': 'citizen_id' } },
      { codes: { person_name: { a: 'b\ud800' } } },
      { ignore: ['x', '\u0000'] },
    ]) {
      const put = await api('PUT', `/api/v1/datasets/${ds}/mappings/odd`, spec);
      assert.equal(put.status, 400, JSON.stringify(put.body));
      // The edge (http/input.ts) refuses such a body before the profile is read, and says where.
      assert.equal(put.body.code, 'invalid_characters');
      assert.match(put.body.detail, /body\./);
    }
  });

  test('an upload without a Content-Type, or without a body, is a 415 that says what to send, never a 500', async () => {
    const ds = await newDataset();
    for (const init of [{}, { body: 'a,b\n1,2\n' }] as RequestInit[]) {
      const res = await fetch(`${server.url}/api/v1/datasets/${ds}/records`, {
        method: 'POST',
        ...init,
        headers: { authorization: `Bearer ${ownerToken}` },
      });
      assert.equal(res.status, 415, await res.text());
    }
  });

  test('NDJSON: a line that is not JSON is reported without echoing its content', async () => {
    const ds = await newDataset();
    const lines = [
      `{"citizen_id": "${id(41)}", "sample_time": "${TIME}"}`,
      `{"sample_time": "${TIME}", "citizen_id": @${id(42)}}`, // JSON.parse's own message would quote "@44010619…"
    ];
    const res = await api('POST', `/api/v1/datasets/${ds}/records`, lines.join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    await expectReceipt(ds, res, [1], [[2, null, 'malformed']]);
    assert.ok(!JSON.stringify(res.body).includes(id(42).slice(0, 6)), 'no part of the ID number in the receipt');
    assert.match(res.body.rejected[0].message, /^the line is not valid JSON: unexpected text$/);
  });
});
