import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { generateCitizenId } from '../standard/index.js';

const L = (zh: string, en: string) => ({ 'zh-CN': zh, en });
const def = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: L('场所码扫码记录', 'Venue scans'),
  description: L('扫码登记', 'Check-ins at venues'),
  fields: [
    { name: 'citizen_id', element: 'citizen_id', required: true },
    { name: 'venue_code', element: 'venue_code', required: true },
    { name: 'scan_time', element: 'scan_time', required: true },
  ],
  key: ['citizen_id', 'venue_code', 'scan_time'],
  updateFrequency: 'realtime',
  coverage: { region: '440106' },
  sharingClass: 'conditional',
  keywords: ['venue', '场所码'],
  ...extra,
});

describeEachEngine('catalog', (getDb) => {
  let server: TestServer;
  let owner: { id: string; token: string };
  let other: { id: string; token: string };
  let admin: { id: string; token: string };

  before(async () => {
    const platform = await getDb();
    const db = platform.db;
    server = await startTestServer(platform);
    owner = await makeDepartment(db);
    other = await makeDepartment(db, { region: '440300' });
    admin = await makeDepartment(db, { role: 'admin' });
  });
  after(async () => server.close());

  test('a department publishes a dataset it owns; the subject field is found from the citizen_id element', async () => {
    const res = await client(server.url, owner.token)('POST', '/api/v1/datasets', def('scans-a'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.owner, owner.id);
    assert.equal(res.body.subjectField, 'citizen_id');
    assert.equal(res.body.version, 1);
    assert.equal(res.body.recordCount, 0);
  });

  test('definitions are checked against the data standard and the sharing rules', async () => {
    const api = client(server.url, owner.token);
    const cases: [Record<string, unknown>, string][] = [
      [{ sharingClass: 'not_shared' }, 'legal_basis_required'],
      [{ fields: [{ name: 'x', element: 'shoe_size', required: true }], key: ['x'] }, 'unknown_element'],
      [{ key: ['nope'] }, 'unknown_key_field'],
      [{ fields: [{ name: 'citizen_id', element: 'citizen_id' }], key: ['citizen_id'] }, 'key_field_optional'],
      [{ coverage: { region: '999999' } }, 'invalid_region'],
      [{ sharingClass: 'secret' }, 'validation_failed'],
      [{ owner: other.id }, 'not_dataset_owner'],
    ];
    for (const [extra, code] of cases) {
      const res = await api('POST', '/api/v1/datasets', def(`bad-${code.replace(/_/g, '-')}`, extra));
      assert.ok(res.status === 400 || res.status === 403, `${code}: ${res.status}`);
      assert.equal(res.body.code, code, JSON.stringify(res.body));
    }
    const ok = await api(
      'POST',
      '/api/v1/datasets',
      def('scans-secret', { sharingClass: 'not_shared', legalBasis: '《个人信息保护法》第三十四条' }),
    );
    assert.equal(ok.status, 201);
    assert.equal((await api('POST', '/api/v1/datasets', def('scans-a'))).status, 409);
  });

  test('the administrator may register a dataset for a department', async () => {
    const res = await client(server.url, admin.token)(
      'POST',
      '/api/v1/datasets',
      def('scans-b', { owner: other.id, sharingClass: 'unconditional', coverage: { region: '440300' } }),
    );
    assert.equal(res.status, 201);
    assert.equal(res.body.owner, other.id);
  });

  test('browse and search by words, owner, class, element and region', async () => {
    const api = client(server.url, other.token);
    const ids = async (q: string) =>
      (await api('GET', `/api/v1/datasets?${q}`)).body.items.map((d: any) => d.id).sort();
    assert.deepEqual(await ids(`owner=${owner.id}`), ['scans-a', 'scans-secret']);
    assert.deepEqual(await ids('q=场所码'), ['scans-a', 'scans-b', 'scans-secret']);
    assert.deepEqual(await ids('q=venue%20scans&sharingClass=unconditional'), ['scans-b']);
    assert.deepEqual(await ids('element=venue_code&region=440300'), ['scans-b']);
    assert.deepEqual(await ids('q=zzzz'), []);
    const page = await api('GET', '/api/v1/datasets?limit=1');
    assert.equal(page.body.items.length, 1);
    assert.ok(page.body.total >= 3);
    assert.equal((await api('GET', '/api/v1/datasets?limit=0')).status, 400);
    assert.equal((await api('GET', '/api/v1/datasets/nope')).status, 404);
  });

  test('changing metadata makes a new version; only the owner (or admin) may; the key is fixed once records exist', async () => {
    const api = client(server.url, owner.token);
    const patched = await api('PATCH', '/api/v1/datasets/scans-a', {
      updateFrequency: 'hourly',
      title: L('扫码记录', 'Scans'),
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.version, 2);
    const versions = await api('GET', '/api/v1/datasets/scans-a/versions');
    assert.deepEqual(
      versions.body.items.map((v: any) => v.version),
      [1, 2],
    );
    assert.equal(
      (await client(server.url, other.token)('PATCH', '/api/v1/datasets/scans-a', { open: true })).status,
      403,
    );
    const rows = [
      {
        citizen_id: generateCitizenId('440106', '19900101', 1),
        venue_code: 'V4401060001',
        scan_time: '2022-05-01T08:00:00Z',
      },
    ];
    assert.equal((await api('POST', '/api/v1/datasets/scans-a/records', rows)).status, 200);
    const keyChange = await api('PATCH', '/api/v1/datasets/scans-a', { key: ['citizen_id', 'scan_time'] });
    assert.equal(keyChange.status, 409);
    assert.equal(keyChange.body.code, 'key_change_with_records');
  });
});
