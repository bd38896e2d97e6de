import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { sharingFixture } from '../testing/fixtures.js';
import type { RunningPlatform } from '../node/platform.js';
import { subjectOf } from './keys.js';

describeEachEngine('controlled access', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  const request = (body: Record<string, unknown>) =>
    f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD001',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
      ...body,
    });
  const search = (token: string, dataset: string, body: Record<string, unknown>) =>
    f.api(token)('POST', `/api/v1/datasets/${dataset}/records/search`, body);
  const auditEntries = async (action: string) =>
    (await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq')).rows
      .map((r) => JSON.parse(r.entry))
      .filter((e) => e.action === action);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
  });
  after(async () => server.close());

  test('unconditional data is granted at once; reads show only granted fields, masked unless granted in clear', async () => {
    const req = await request({
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'person_name', 'phone', 'birth_date', 'address', 'result'],
      clearFields: ['address'],
    });
    assert.equal(req.status, 201, JSON.stringify(req.body));
    assert.equal(req.body.status, 'granted');
    assert.equal(req.body.live, true);
    // The identifier is granted masked: no lookup by person (subject_lookup_not_granted); the record is found by its
    // masked form in a listing, and read again by its handle.
    const lookup = await search(f.consumer.token, f.ds.unconditional, {
      subject: f.people[0]!.citizen_id,
      purpose: 'contact_tracing',
    });
    assert.equal(lookup.status, 403, JSON.stringify(lookup.body));
    assert.equal(lookup.body.code, 'subject_lookup_not_granted');
    const listed = await search(f.consumer.token, f.ds.unconditional, { purpose: 'contact_tracing', limit: 100 });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const masked0 = `${f.people[0]!.citizen_id.slice(0, 4)}**********${f.people[0]!.citizen_id.slice(-4)}`;
    const found = listed.body.items.find((r: any) => r.data.citizen_id === masked0);
    assert.ok(found, 'the record is listed with the identifier masked');
    const read = await f.api(f.consumer.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records/${found.handle}?purpose=contact_tracing`,
    );
    assert.equal(read.status, 200, JSON.stringify(read.body));
    const d = read.body.data;
    const id = f.people[0]!.citizen_id;
    assert.equal(d.citizen_id, `${id.slice(0, 4)}**********${id.slice(-4)}`);
    assert.equal(d.person_name, '张*丰');
    assert.equal(d.phone, `${f.people[0]!.phone.slice(0, 3)}****${f.people[0]!.phone.slice(-4)}`);
    assert.equal(d.birth_date, '1990');
    assert.equal(d.result, null, 'a null mask hides the test result');
    assert.equal(d.address, f.people[0]!.address, 'granted in clear');
    assert.equal(d.division_code, undefined, 'not granted, not shown');
    assert.deepEqual(read.body.masked.sort(), ['birth_date', 'citizen_id', 'person_name', 'phone', 'result']);
    // The owner sees its own data in clear.
    const own = (await search(f.owner.token, f.ds.unconditional, { key: id })).body.items[0];
    assert.equal(own.data.citizen_id, id);
    assert.equal(own.data.result, f.people[0]!.result);
  });

  test('level-4 values are encrypted at rest and found by blind index', async () => {
    const rows = await platform.db.query<{ record_key: string; subject: string; data: any }>(
      'SELECT record_key, subject, data FROM records WHERE dataset_id = $1',
      [f.ds.unconditional],
    );
    const raw = JSON.stringify(rows.rows);
    for (const p of f.people) assert.ok(!raw.includes(p.citizen_id), 'no ID number in clear anywhere in the row');
    const one = rows.rows[0]!;
    assert.equal(one.data.citizen_id, undefined, 'level-4 values are not stored in clear members');
    assert.equal(one.data.result, undefined);
    assert.match(one.data.$sealed, /^enc:v1:/, 'they are sealed together, encrypted');
    assert.equal(one.data.person_name.startsWith('enc:'), false, 'level 3 stays in clear (masked on display)');
    assert.ok(rows.rows.some((r) => r.subject === subjectOf(platform.ring, f.people[3]!.citizen_id)));
    const bySubject = await search(f.owner.token, f.ds.unconditional, { subject: f.people[3]!.citizen_id });
    assert.equal(bySubject.body.items.length, 1);
    assert.equal(bySubject.body.items[0].data.citizen_id, f.people[3]!.citizen_id);
  });

  test('row scope: only rows in the granted division prefix', async () => {
    const other = await f.api(f.third.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'division_code'],
      clearFields: ['citizen_id'],
      purposes: ['statistics'],
      purposeText: 'Counting by district',
      legalBasis: 'Statistics Law art. 7',
      periodEnd: f.inAWeek,
      scope: { divisionPrefix: '4403' },
    });
    assert.equal(other.status, 201);
    const page = await f.api(f.third.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=statistics&limit=100`,
    );
    assert.equal(page.status, 200);
    assert.deepEqual(
      page.body.items.map((r: any) => r.data.division_code),
      ['440303', '440303'],
    );
    const outside = await search(f.third.token, f.ds.unconditional, {
      subject: f.people[0]!.citizen_id,
      purpose: 'statistics',
    });
    assert.deepEqual(outside.body.items, [], 'a person outside the row scope is not found');
    const filtered = await f.api(f.third.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=statistics&f.division_code=440106`,
    );
    assert.deepEqual(filtered.body.items, []);
  });

  test('a grant that does not give the identifier in clear allows no lookup by person, and audits the refusal', async () => {
    const g = await f.api(f.third.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.unconditional,
      fields: ['result', 'division_code'],
      purposes: ['epidemic_control'],
      purposeText: 'Positivity by district',
      legalBasis: '《传染病防治法》第三十三条',
      periodEnd: f.inAWeek,
    });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    const res = await search(f.third.token, f.ds.unconditional, {
      subject: f.people[0]!.citizen_id,
      purpose: 'epidemic_control',
    });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.code, 'subject_lookup_not_granted');
    assert.ok(!JSON.stringify(res.body).includes(f.people[0]!.citizen_id), 'the refusal does not echo the ID number');
    const denied = (await auditEntries('records.read')).filter(
      (e) => e.outcome === 'denied' && e.actor.department === f.third.id && e.reason === 'subject_lookup_not_granted',
    );
    assert.equal(denied.length, 1);
  });

  test('refusals say why, with a problem code, and are audited', async () => {
    const consumer = f.api(f.consumer.token);
    const cases: [string, string][] = [
      [`/api/v1/datasets/${f.ds.unconditional}/records?limit=5`, 'purpose_required'],
      [`/api/v1/datasets/${f.ds.unconditional}/records?purpose=statistics`, 'purpose_not_covered'],
      [
        `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&fields=division_code`,
        'field_not_granted',
      ],
      [
        `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&f.division_code=440106`,
        'field_not_granted',
      ],
      [`/api/v1/datasets/${f.ds.conditional}/records?purpose=contact_tracing`, 'no_grant'],
    ];
    for (const [path, code] of cases) {
      const res = await consumer('GET', path);
      assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code);
      assert.ok(res.body.detail.length > 10);
    }
    const denied = (await auditEntries('records.read'))
      .filter((e) => e.outcome === 'denied' && e.actor.department === f.consumer.id)
      .map((e) => e.reason);
    for (const [, code] of cases) assert.ok(denied.includes(code), `refusal ${code} audited`);
    const unknown = await consumer('GET', `/api/v1/datasets/${f.ds.unconditional}/records?purpose=curiosity`);
    assert.equal(unknown.status, 400);
  });

  test('every read is audited with who, which dataset, which people, which fields and why', async () => {
    const before = (await auditEntries('records.read')).length;
    const res = await f.api(f.consumer.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&limit=3`,
    );
    assert.equal(res.body.items.length, 3);
    const entries = await auditEntries('records.read');
    assert.equal(entries.length, before + 1);
    const e = entries[entries.length - 1];
    assert.equal(e.actor.department, f.consumer.id);
    assert.equal(e.dataset, f.ds.unconditional);
    assert.equal(e.purpose, 'contact_tracing');
    assert.equal(e.outcome, 'ok');
    assert.equal(e.subjects.length, 3);
    assert.ok(e.fields.includes('phone'));
    assert.ok(
      !JSON.stringify(entries).includes(f.people[0]!.citizen_id),
      'audit entries carry blind indexes, never ID numbers',
    );
  });

  test('bulk reads stream as NDJSON, page by page, each page audited', async () => {
    const res = await fetch(`${server.url}/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing`, {
      headers: { authorization: `Bearer ${f.consumer.token}`, accept: 'application/x-ndjson' },
    });
    assert.equal(res.status, 200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, f.people.length);
    assert.ok(lines.every((r) => r.data.person_name.includes('*')));
    const refused = await fetch(`${server.url}/api/v1/datasets/${f.ds.conditional}/records?purpose=contact_tracing`, {
      headers: { authorization: `Bearer ${f.consumer.token}`, accept: 'application/x-ndjson' },
    });
    assert.equal(refused.status, 403);
  });

  test('a person token cannot read department data; departments need a token', async () => {
    const anon = await f.api()('GET', `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing`);
    assert.equal(anon.status, 401);
  });
});
