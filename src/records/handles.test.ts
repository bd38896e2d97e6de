// Nothing a department receives reveals what masking hides, and no ID number travels in a URL (issue 9, items 1, 3):
// handles instead of keys, sealed cursors, POST search, corrections and history by handle. Real server, both engines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { sharingFixture } from '../testing/fixtures.js';
import type { RunningPlatform } from '../node/platform.js';
import { createHash } from 'node:crypto';
import { Keyring } from '../crypto/keyring.js';
import { cursorBinding, openCursor, sealCursor } from './cursor.js';
import { grantScope, openHandle, ownerScope, sealHandle } from './handles.js';
import { subjectOf } from './keys.js';
import { blindIndex } from '../crypto/fields.js';

const TRIP = 'G7901';
const DEPARTURE = '2026-11-27T03:09:00.000Z';

/** Every string anywhere in a JSON value, with the path it sits at. */
function strings(v: unknown, path = '', out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, out);
  return out;
}

test('a handle opens only in its scope and dataset, unchanged; the same key always gives the same handle', () => {
  const ring = Keyring.generate();
  const key = 'QmFzZTY0X2JsaW5kX2luZGV4X2hlcmVf|G7901|2026-11-27T03:09:00.000Z';
  const g1 = grantScope('shr_1', 'gd-cdc', 'trips');
  const h = sealHandle(ring, g1, 'trips', key);
  assert.equal(sealHandle(ring, g1, 'trips', key), h);
  assert.equal(openHandle(ring, g1, 'trips', h), key);
  assert.equal(openHandle(ring, grantScope('shr_2', 'gd-cdc', 'trips'), 'trips', h), undefined);
  assert.equal(openHandle(ring, ownerScope('gd-transport', 'trips'), 'trips', h), undefined);
  assert.equal(openHandle(ring, g1, 'other', h), undefined, 'bound to the dataset too');
  assert.equal(openHandle(Keyring.generate(), g1, 'trips', h), undefined, 'another node’s keys');
  assert.equal(openHandle(ring.rotate(), g1, 'trips', h), key, 'field-key rotation keeps handles');
  for (let i = 3; i < h.length; i += 7) {
    const c = h[i] === 'A' ? 'B' : 'A';
    assert.equal(openHandle(ring, g1, 'trips', h.slice(0, i) + c + h.slice(i + 1)), undefined, `changed at ${i}`);
  }
  assert.equal(openHandle(ring, g1, 'trips', h.slice(0, -4)), undefined);
  assert.equal(openHandle(ring, g1, 'trips', ''), undefined);
  assert.ok(!h.includes('G7901') && !h.includes('2026'));
  const short = sealHandle(ring, g1, 'trips', 'a');
  assert.equal(short.length, sealHandle(ring, g1, 'trips', 'abcdefgh').length, 'padded: the length hides the key’s');
});

test('a cursor opens only with the binding it was sealed with', () => {
  const ring = Keyring.generate();
  const b = cursorBinding(['department:a', 'trips', 'grant']);
  const c = sealCursor(ring, b, 'k|1');
  assert.equal(openCursor(ring, b, c), 'k|1');
  assert.notEqual(sealCursor(ring, b, 'k|1'), c, 'a fresh IV each time');
  assert.throws(() => openCursor(ring, cursorBinding(['department:b', 'trips', 'grant']), c), /not one this node/);
  assert.throws(() => openCursor(ring, b, c.slice(0, -1) + (c.endsWith('A') ? 'B' : 'A')), /not one this node/);
  assert.throws(() => openCursor(ring, b, 'k|1'), /not one this node/);
});

describeEachEngine('record handles and cursors', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  let trips: string;
  let cases: [string, string];
  const grants: Record<string, string> = {};
  const consumer = () => f.api(f.consumer.token);
  const search = (token: string, dataset: string, body: Record<string, unknown>) =>
    f.api(token)('POST', `/api/v1/datasets/${dataset}/records/search`, body);
  const ask = async (token: string, body: Record<string, unknown>, approveAs?: string) => {
    const res = await f.api(token)('POST', '/api/v1/sharing/requests', {
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD009',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
      ...body,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    if (approveAs) {
      const ok = await f.api(approveAs)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {});
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
    return res.body.id as string;
  };
  const storedKeys = async (dataset: string) =>
    (
      await platform.db.query<{ record_key: string }>('SELECT record_key FROM records WHERE dataset_id = $1', [dataset])
    ).rows.map((r) => r.record_key);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
    trips = `trips-${f.ds.unconditional.slice(9)}`;
    const owner = f.api(f.owner.token);
    const made = await owner('POST', '/api/v1/datasets', {
      id: trips,
      title: { 'zh-CN': '出行', en: 'Trips' },
      description: { 'zh-CN': '测试', en: 'test' },
      fields: [
        { name: 'citizen_id', element: 'citizen_id', required: true },
        { name: 'mode', element: 'travel_mode', required: true },
        { name: 'trip_number', element: 'trip_number', required: true },
        { name: 'departure_time', element: 'departure_time', required: true },
      ],
      key: ['citizen_id', 'trip_number', 'departure_time'],
      updateFrequency: 'hourly',
      coverage: { region: '440000' },
      sharingClass: 'unconditional',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const rows = f.people.map((p) => ({
      citizen_id: p.citizen_id,
      mode: 'train',
      trip_number: TRIP,
      departure_time: DEPARTURE,
    }));
    const ing = await owner('POST', `/api/v1/datasets/${trips}/records`, rows);
    assert.equal(ing.body.inserted, rows.length, JSON.stringify(ing.body));
    // Two datasets keyed by a case number, which the standard masks with a hash.
    cases = [`cases-a-${f.ds.unconditional.slice(9)}`, `cases-b-${f.ds.unconditional.slice(9)}`];
    for (const id of cases) {
      const res = await owner('POST', '/api/v1/datasets', {
        id,
        title: { 'zh-CN': '病例', en: 'Cases' },
        description: { 'zh-CN': '测试', en: 'test' },
        fields: [
          { name: 'case_id', element: 'case_id', required: true },
          { name: 'division_code', element: 'division_code', required: true },
        ],
        key: ['case_id'],
        updateFrequency: 'daily',
        coverage: { region: '440000' },
        sharingClass: 'unconditional',
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const ing = await owner('POST', `/api/v1/datasets/${id}/records`, [
        { case_id: 'GD2026-0001', division_code: '440106' },
        { case_id: 'GD2026-0002', division_code: '440106' },
      ]);
      assert.equal(ing.body.inserted, 2, JSON.stringify(ing.body));
      await ask(f.consumer.token, { dataset: id, fields: ['case_id', 'division_code'] });
    }
    // Like gd-cdc: the ID number in clear in one dataset, masked in another; a second dataset of the same people.
    grants.clear = await ask(f.consumer.token, {
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'address', 'result'],
      clearFields: ['citizen_id', 'address'],
    });
    grants.trips = await ask(f.consumer.token, {
      dataset: trips,
      fields: ['citizen_id', 'mode', 'trip_number', 'departure_time'],
    });
    grants.conditional = await ask(
      f.consumer.token,
      { dataset: f.ds.conditional, fields: ['citizen_id', 'phone', 'address'], clearFields: ['citizen_id', 'address'] },
      f.owner.token,
    );
    grants.stats = await ask(f.consumer.token, {
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'division_code'],
      clearFields: ['citizen_id'],
      purposes: ['statistics'],
      purposeText: 'Counting by district',
      legalBasis: 'Statistics Law art. 7',
    });
  });
  after(async () => server.close());

  test('stored keys are scoped per dataset: the same person has unrelated keys in two datasets, so the order records are read in cannot line them up', async () => {
    const keysOf = async (ds: string) =>
      new Map(
        (
          await platform.db.query<{ subject: string; record_key: string }>(
            'SELECT subject, record_key FROM records WHERE dataset_id = $1 AND valid_to IS NULL',
            [ds],
          )
        ).rows.map((r) => [r.subject, r.record_key]),
      );
    const [u, c] = [await keysOf(f.ds.unconditional), await keysOf(f.ds.conditional)];
    assert.equal(u.size, f.people.length);
    for (const p of f.people) {
      const subject = subjectOf(platform.ring, p.citizen_id);
      assert.ok(u.has(subject) && c.has(subject));
      assert.notEqual(u.get(subject), c.get(subject), 'one person, two unrelated keys');
      assert.notEqual(u.get(subject), subject, 'never the node-wide subject index');
      assert.equal(u.get(subject), blindIndex(platform.ring, p.citizen_id, `citizen_id@${f.ds.unconditional}`));
    }
    const ds = await f.api(f.owner.token)('GET', `/api/v1/datasets/${f.ds.unconditional}`);
    assert.equal(ds.body.keyScope, 'dataset');
  });

  test('the key-join attack fails: two granted datasets of the same people share no handle, key or cursor', async () => {
    const clear = await consumer()(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&limit=3`,
    );
    const masked = await consumer()('GET', `/api/v1/datasets/${trips}/records?purpose=contact_tracing&limit=3`);
    const cond = await consumer()(
      'GET',
      `/api/v1/datasets/${f.ds.conditional}/records?purpose=contact_tracing&limit=3`,
    );
    for (const r of [clear, masked, cond]) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(clear.body.next && masked.body.next && cond.body.next, 'each page has a cursor');
    // The attack: match every string of one answer against the other's. Handles, cursors and anything else outside
    // the data must never meet; data values only where the grant gives them: in clear, or as the data standard's
    // mask of the same field (a masked display is what the grant shows; see the report on show_first_last).
    const CLEAR: Record<string, string[]> = { U: ['citizen_id', 'address'], M: [], C: ['citizen_id', 'address'] };
    const fieldOf = (path: string) => /\.data\.([a-z_]+)$/.exec(path)?.[1];
    const allowed = (pa: string, pb: string, v: string) => {
      if (/\.masked\[\d+\]$/.test(pa) && /\.masked\[\d+\]$/.test(pb)) return true; // field names
      const fa = fieldOf(pa);
      if (!fa || fa !== fieldOf(pb)) return false;
      return v.includes('*') || (CLEAR[pa[0]!]!.includes(fa) && CLEAR[pb[0]!]!.includes(fa));
    };
    const pairs: [string, any, string, any][] = [
      ['U', clear.body, 'M', masked.body],
      ['U', clear.body, 'C', cond.body],
      ['M', masked.body, 'C', cond.body],
    ];
    for (const [na, a, nb, b] of pairs) {
      const bValues = new Map(strings(b, nb).map(([p, v]) => [v, p]));
      const shared = strings(a, na).filter(([p, v]) => bValues.has(v) && !allowed(p, bValues.get(v)!, v));
      assert.deepEqual(shared, [], 'nothing outside granted values is shared');
    }
    assert.ok(
      strings(masked.body).every(([, v]) => !strings(clear.body).some(([, w]) => w === v)),
      'the masked dataset shares no value at all with the one that has the ID in clear',
    );
    // Concretely, the old attack: for a person whose ID is masked in trips, nothing in the trips answer leads to the
    // clear ID of the other dataset (no blind index, no stored key).
    const text = JSON.stringify(masked.body);
    for (const p of f.people) {
      assert.ok(!text.includes(p.citizen_id), 'no ID number in clear');
      assert.ok(!text.includes(subjectOf(platform.ring, p.citizen_id)), 'no blind index');
    }
    for (const k of await storedKeys(trips)) assert.ok(!text.includes(k.split('|')[0]!), 'no stored key part');
  });

  test('a hashed identifier is a pseudonym of the grant: not the unkeyed hash, not joinable across datasets', async () => {
    const read = async (ds: string): Promise<string[]> =>
      (await consumer()('GET', `/api/v1/datasets/${ds}/records?purpose=contact_tracing`)).body.items.map(
        (r: any) => r.data.case_id as string,
      );
    const [a, b] = [await read(cases[0]), await read(cases[1])];
    assert.deepEqual(await read(cases[0]), a, 'stable within the grant');
    assert.equal(a.length, 2);
    for (const v of a) assert.match(v, /^[0-9a-f]{16}$/);
    assert.equal(a.filter((v) => b.includes(v)).length, 0, 'the same cases have unrelated pseudonyms in each dataset');
    const unkeyed = ['GD2026-0001', 'GD2026-0002'].map((c) =>
      createHash('sha256').update(c).digest('hex').slice(0, 16),
    );
    assert.equal([...a, ...b].filter((v) => unkeyed.includes(v)).length, 0, 'no dictionary-checkable hash');
    const text = JSON.stringify(
      await consumer()('GET', `/api/v1/datasets/${cases[0]}/records?purpose=contact_tracing`),
    );
    assert.ok(!text.includes('GD2026-'), 'the case number (the key) is nowhere in clear');
    const own = await f.api(f.owner.token)('GET', `/api/v1/datasets/${cases[0]}/records`);
    assert.deepEqual(own.body.items.map((r: any) => r.data.case_id).sort(), ['GD2026-0001', 'GD2026-0002']);
  });

  test('masked key parts never appear in clear: not in handle, next, history or a streamed read', async () => {
    const page = await consumer()('GET', `/api/v1/datasets/${trips}/records?purpose=contact_tracing&limit=2`);
    assert.equal(page.body.items[0].data.trip_number, 'G****');
    assert.equal(page.body.items[0].data.departure_time, '2026');
    assert.equal(page.body.items[0].key, undefined, 'no stored key');
    const handle = page.body.items[0].handle;
    assert.match(handle, /^h1_[A-Za-z0-9_-]+$/);
    const one = await consumer()('GET', `/api/v1/datasets/${trips}/records/${handle}?purpose=contact_tracing`);
    const hist = await consumer()('GET', `/api/v1/datasets/${trips}/records/${handle}/history?purpose=contact_tracing`);
    const bySubject = await search(f.consumer.token, trips, {
      purpose: 'contact_tracing',
      subject: f.people[2]!.citizen_id,
    });
    const stream = await fetch(`${server.url}/api/v1/datasets/${trips}/records/search`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.consumer.token}`,
        accept: 'application/x-ndjson',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ purpose: 'contact_tracing' }),
    });
    assert.equal(stream.status, 200);
    const lines = await stream.text();
    assert.equal(lines.trim().split('\n').length, f.people.length);
    for (const r of [one, hist]) assert.equal(r.status, 200, JSON.stringify(r.body));
    // The ID number is granted masked here: no lookup by person, or lookups would un-mask it one guess at a time.
    assert.equal(bySubject.status, 403, JSON.stringify(bySubject.body));
    assert.equal(bySubject.body.code, 'subject_lookup_not_granted');
    const all = [page.body, one.body, hist.body, bySubject.body].map((b) => JSON.stringify(b)).join('\n') + lines;
    for (const secret of [TRIP, DEPARTURE, DEPARTURE.slice(0, 16), ...(await storedKeys(trips))])
      assert.ok(!all.includes(secret), 'a masked key part is nowhere in clear');
    for (const p of f.people) assert.ok(!all.includes(subjectOf(platform.ring, p.citizen_id)), 'no blind index');
  });

  test('handles: stable within a grant, different per grant, dataset and owner; another scope’s handle is a 404', async () => {
    const id = f.people[0]!.citizen_id;
    const h = async (token: string, dataset: string, purpose?: string) =>
      (await search(token, dataset, { subject: id, ...(purpose ? { purpose } : {}) })).body.items[0].handle as string;
    const tracing = await h(f.consumer.token, f.ds.unconditional, 'contact_tracing');
    assert.equal(await h(f.consumer.token, f.ds.unconditional, 'contact_tracing'), tracing, 'stable within a grant');
    const stats = await h(f.consumer.token, f.ds.unconditional, 'statistics');
    const cond = await h(f.consumer.token, f.ds.conditional, 'contact_tracing');
    const owner = await h(f.owner.token, f.ds.unconditional);
    assert.equal(new Set([tracing, stats, cond, owner]).size, 4, 'one handle per grant, dataset and owner');
    // A handle with one character changed (never the same: a fixed suffix would sometimes be the handle's own).
    const changed = (h: string) => `${h.slice(0, 10)}${h[10] === 'A' ? 'B' : 'A'}${h.slice(11)}`;
    const get = (token: string, dataset: string, handle: string, purpose?: string) =>
      f.api(token)('GET', `/api/v1/datasets/${dataset}/records/${handle}${purpose ? `?purpose=${purpose}` : ''}`);
    assert.equal((await get(f.consumer.token, f.ds.unconditional, tracing, 'contact_tracing')).status, 200);
    assert.equal((await get(f.consumer.token, f.ds.unconditional, stats, 'statistics')).status, 200);
    const refused = [
      await get(f.consumer.token, f.ds.unconditional, tracing, 'statistics'), // another grant
      await get(f.consumer.token, f.ds.unconditional, stats, 'contact_tracing'),
      await get(f.consumer.token, f.ds.unconditional, owner, 'contact_tracing'), // the owner's
      await get(f.owner.token, f.ds.unconditional, tracing), // a consumer's, to the owner
      await get(f.consumer.token, f.ds.conditional, tracing, 'contact_tracing'), // another dataset
      await get(f.consumer.token, f.ds.unconditional, changed(tracing), 'contact_tracing'), // changed
      await get(f.consumer.token, f.ds.unconditional, id, 'contact_tracing'), // an ID number
    ];
    for (const r of refused) {
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.code, 'record_not_found');
      assert.ok(!r.body.detail.includes(tracing) && !r.body.detail.includes(id), 'the detail echoes nothing');
    }
    // The owner gets its key fields in the data and may look a record up by key, in a body; a consumer may not.
    const own = await search(f.owner.token, f.ds.unconditional, { key: id });
    assert.equal(own.body.items[0].data.citizen_id, id);
    assert.equal(own.body.items[0].handle, owner);
    const byKey = await search(f.consumer.token, trips, {
      purpose: 'contact_tracing',
      key: `${id}|${TRIP}|${DEPARTURE}`,
    });
    assert.equal(byKey.status, 403);
    assert.equal(byKey.body.code, 'key_lookup_owner_only');
    assert.ok(!byKey.body.detail.includes(id) && !byKey.body.detail.includes(TRIP));
  });

  test('cursors are opaque and bound to the caller, dataset and query: tampered or borrowed is a 400', async () => {
    const path = `/api/v1/datasets/${trips}/records?purpose=contact_tracing&limit=3`;
    const first = await consumer()('GET', path);
    assert.match(first.body.next, /^c1_[A-Za-z0-9_-]+$/);
    const second = await consumer()('GET', `${path}&after=${first.body.next}`);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const handles = [...first.body.items, ...second.body.items].map((r: any) => r.handle);
    assert.equal(new Set(handles).size, 6, 'the next page follows on');
    const viaPost = await search(f.consumer.token, trips, {
      purpose: 'contact_tracing',
      limit: 3,
      after: first.body.next,
    });
    assert.deepEqual(viaPost.body.items, second.body.items, 'the same query by POST continues the same way');
    const c: string = first.body.next;
    const flipped = c.slice(0, 10) + (c[10] === 'A' ? 'B' : 'A') + c.slice(11);
    const keys = await storedKeys(trips);
    const bad = [
      await consumer()('GET', `${path}&after=${flipped}`), // tampered
      await consumer()('GET', `${path}&after=${encodeURIComponent(keys[0]!)}`), // a stored key
      await consumer()(
        'GET',
        `/api/v1/datasets/${trips}/records?purpose=contact_tracing&limit=3&fields=mode&after=${c}`,
      ),
      await consumer()(
        'GET',
        `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&limit=3&after=${c}`,
      ),
      await f.api(f.owner.token)('GET', `/api/v1/datasets/${trips}/records?limit=3&after=${c}`), // someone else
    ];
    for (const r of bad) {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.code, 'invalid_cursor');
    }
  });

  test('no ID number in a URL: subject= is refused on GET and works in the POST body; personal filters need POST', async () => {
    const id = f.people[4]!.citizen_id;
    const get = await consumer()(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing&subject=${id}`,
    );
    assert.equal(get.status, 400);
    assert.equal(get.body.code, 'subject_in_query');
    assert.match(get.body.detail, /POST \/api\/v1\/datasets\/.+\/records\/search/);
    assert.ok(!get.body.detail.includes(id));
    const post = await search(f.consumer.token, f.ds.unconditional, { purpose: 'contact_tracing', subject: id });
    assert.equal(post.status, 200);
    assert.deepEqual(
      post.body.items.map((r: any) => r.data.citizen_id),
      [id],
    );
    const personal = await f.api(f.owner.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?f.person_name=${encodeURIComponent('张三丰')}`,
    );
    assert.equal(personal.status, 400);
    assert.equal(personal.body.code, 'personal_data_in_query');
    const inBody = await search(f.owner.token, f.ds.unconditional, { where: { person_name: '张三丰' } });
    assert.equal(inBody.status, 200);
    assert.ok(inBody.body.items.length > 0);
    // Through a grant, a filter on a masked field would test guesses at what the mask hides.
    const guess = await search(f.consumer.token, trips, { purpose: 'contact_tracing', where: { trip_number: TRIP } });
    assert.equal(guess.status, 403);
    assert.equal(guess.body.code, 'filter_on_masked_field');
    const scoped = await consumer()(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=statistics&f.division_code=440303`,
    );
    assert.equal(scoped.status, 200, 'a non-personal, unmasked field may be filtered in the URL');
    assert.equal(scoped.body.items.length, 2);
  });

  test('corrections and history by handle, for the reporter and the owner, each with its own handle', async () => {
    const id = f.people[1]!.citizen_id;
    const mine = (await search(f.consumer.token, f.ds.conditional, { purpose: 'contact_tracing', subject: id })).body
      .items[0].handle;
    const owners = (await search(f.owner.token, f.ds.conditional, { subject: id })).body.items[0].handle;
    const rep = await consumer()('POST', `/api/v1/datasets/${f.ds.conditional}/records/${mine}/corrections`, {
      field: 'phone',
      description: '电话号码已停用 (the number is out of service)',
    });
    assert.equal(rep.status, 201, JSON.stringify(rep.body));
    assert.equal(rep.body.handle, mine);
    assert.equal(rep.body.grant, grants.conditional);
    assert.equal(rep.body.recordKey, undefined);
    const stored = await platform.db.query<{ record_key: string }>('SELECT record_key FROM corrections WHERE id = $1', [
      rep.body.id,
    ]);
    assert.equal(
      stored.rows[0]!.record_key,
      blindIndex(platform.ring, id, `citizen_id@${f.ds.conditional}`),
      'the real key is kept inside',
    );
    // Another grant's handle, or the owner's, does not name a record for this consumer.
    const stats = (await search(f.consumer.token, f.ds.unconditional, { purpose: 'statistics', subject: id })).body
      .items[0].handle;
    for (const [ds, h] of [
      [f.ds.conditional, owners],
      [f.ds.conditional, stats],
    ] as const) {
      const r = await consumer()('POST', `/api/v1/datasets/${ds}/records/${h}/corrections`, { description: 'wrong' });
      assert.equal(r.status, 404, JSON.stringify(r.body));
    }
    const asReporter = await consumer()('GET', `/api/v1/corrections?role=reporter&dataset=${f.ds.conditional}`);
    assert.deepEqual(
      asReporter.body.items.map((c: any) => c.handle),
      [mine],
    );
    const asOwner = await f.api(f.owner.token)('GET', `/api/v1/corrections?role=owner&dataset=${f.ds.conditional}`);
    assert.deepEqual(
      asOwner.body.items.map((c: any) => c.handle),
      [owners],
    );
    const answered = await f.api(f.owner.token)('POST', `/api/v1/corrections/${rep.body.id}/answer`, {
      status: 'fixed',
      answer: '已更正 (corrected)',
    });
    assert.equal(answered.body.handle, owners);
    const histC = await consumer()(
      'GET',
      `/api/v1/datasets/${f.ds.conditional}/records/${mine}/history?purpose=contact_tracing`,
    );
    assert.equal(histC.status, 200, JSON.stringify(histC.body));
    assert.deepEqual(
      histC.body.corrections.map((c: any) => [c.handle, c.status]),
      [[mine, 'fixed']],
    );
    assert.ok(histC.body.items.every((r: any) => r.handle === mine));
    const histO = await f.api(f.owner.token)('GET', `/api/v1/datasets/${f.ds.conditional}/records/${owners}/history`);
    assert.deepEqual(
      histO.body.corrections.map((c: any) => [c.handle, c.status]),
      [[owners, 'fixed']],
    );
    assert.equal(histO.body.items[0].data.citizen_id, id, 'the owner sees its key fields in the data');
    const all = JSON.stringify([rep.body, asReporter.body, asOwner.body, answered.body, histC.body, histO.body]);
    assert.ok(!all.includes(subjectOf(platform.ring, id)), 'no stored key or blind index in any answer');
  });
});
