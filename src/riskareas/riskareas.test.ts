import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningPlatform } from '../node/platform.js';
import { describeEachEngine } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { RULE_LIFT_REASON, areasChangedSince, areasOverlapping, liftByRule } from './service.js';

const DAY = 24 * 3600 * 1000;
const ago = (days: number, from = Date.now()): string => new Date(from - days * DAY).toISOString();
const plus = (isoTime: string, days: number): string => new Date(Date.parse(isoTime) + days * DAY).toISOString();

// Each test declares areas of its own, in a county of its own, so tests and the sweeper never see each other's.
describeEachEngine('risk areas', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let dept: ReturnType<typeof client>;
  let anon: ReturnType<typeof client>;

  const declare = (over: Record<string, unknown> = {}) =>
    admin('POST', '/api/v1/risk-areas', {
      division: '440106',
      name: { 'zh-CN': '天河区某小区', en: 'A Tianhe estate' },
      level: 'high',
      places: ['V-440106-0001', '天河站'],
      ...over,
    });
  const auditActions = async (
    area: string,
  ): Promise<Array<{ action: string; actor: { kind: string }; reason?: string; detail: Record<string, unknown> }>> => {
    const res = await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq');
    return res.rows.map((r) => JSON.parse(r.entry)).filter((e) => e.detail?.area === area);
  };
  const updatedAt = async (id: string): Promise<string> => {
    const res = await platform.db.query<{ u: string }>(
      `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS u FROM risk_areas WHERE id = $1`,
      [id],
    );
    return res.rows[0]!.u;
  };
  /** Moves an area's updated_at into the past, so that the next change must move it forward. */
  const ageUpdatedAt = (id: string) =>
    platform.db.query(`UPDATE risk_areas SET updated_at = updated_at - interval '1 hour' WHERE id = $1`, [id]);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = client(server.url, (await makeDepartment(platform.db, { role: 'admin' })).token);
    dept = client(server.url, (await makeDepartment(platform.db)).token);
    anon = client(server.url);
  });
  after(async () => server.close());

  test('the command declares an area; the public reads it, in force, with when the 7-day rule lifts it', async () => {
    const res = await declare({ places: ['V-1', ' V-2 ', 'V-1'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body;
    assert.match(a.id, /^RA-[0-9A-F]{12}$/);
    assert.deepEqual(a.places, ['V-1', 'V-2']);
    assert.equal(a.inForce, true);
    assert.equal(a.endsAt, null);
    assert.equal(a.lastCaseAt, null);
    assert.equal(a.liftsByRuleAt, plus(a.startsAt, 7));
    assert.equal(typeof a.declaredBy, 'string');

    const got = await anon('GET', `/api/v1/risk-areas/${a.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, a);
    const list = await anon('GET', '/api/v1/risk-areas?inForce=true&division=440106');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((x: any) => x.id === a.id));
    const byCity = await anon('GET', '/api/v1/risk-areas?division=440100&limit=1000');
    assert.ok(byCity.body.items.some((x: any) => x.id === a.id));
    const elsewhere = await anon('GET', '/api/v1/risk-areas?division=440300&limit=1000');
    assert.ok(!elsewhere.body.items.some((x: any) => x.id === a.id));
    const before = await anon(
      'GET',
      `/api/v1/risk-areas?inForce=true&at=${encodeURIComponent(ago(1, Date.parse(a.startsAt)))}&limit=1000`,
    );
    assert.ok(!before.body.items.some((x: any) => x.id === a.id), 'not in force before it starts');
    const notInForce = await anon('GET', '/api/v1/risk-areas?inForce=false&limit=1000');
    assert.ok(!notInForce.body.items.some((x: any) => x.id === a.id));

    const entries = await auditActions(a.id);
    assert.deepEqual(
      entries.map((e) => e.action),
      ['riskarea.declare'],
    );
    assert.equal(entries[0]!.actor.kind, 'department');
  });

  test('a new case restarts the 7-day clock; a level change and a places change are applied; each moves updated_at', async () => {
    const a = (await declare({ division: '440103', startsAt: ago(5) })).body;
    assert.equal(a.liftsByRuleAt, plus(a.startsAt, 7));

    await ageUpdatedAt(a.id);
    let u = await updatedAt(a.id);
    const caseAt = ago(1);
    const c = await admin('POST', `/api/v1/risk-areas/${a.id}/cases`, { at: caseAt });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.lastCaseAt, caseAt);
    assert.equal(c.body.liftsByRuleAt, plus(caseAt, 7));
    assert.ok((await updatedAt(a.id)) > u, 'a case moves updated_at');

    // An older case does not move the clock back.
    const older = await admin('POST', `/api/v1/risk-areas/${a.id}/cases`, { at: ago(3) });
    assert.equal(older.status, 200);
    assert.equal(older.body.lastCaseAt, caseAt);
    // A case without a time (or without a body) is now.
    const now = await admin('POST', `/api/v1/risk-areas/${a.id}/cases`);
    assert.equal(now.status, 200);
    assert.ok(Date.parse(now.body.lastCaseAt) > Date.parse(caseAt));

    await ageUpdatedAt(a.id);
    u = await updatedAt(a.id);
    const lv = await admin('PATCH', `/api/v1/risk-areas/${a.id}`, { level: 'medium' });
    assert.equal(lv.status, 200, JSON.stringify(lv.body));
    assert.equal(lv.body.level, 'medium');
    assert.ok((await updatedAt(a.id)) > u, 'a level change moves updated_at');

    await ageUpdatedAt(a.id);
    u = await updatedAt(a.id);
    const pl = await admin('PATCH', `/api/v1/risk-areas/${a.id}`, { places: ['V-9', 'V-10'] });
    assert.equal(pl.status, 200);
    assert.deepEqual(pl.body.places, ['V-9', 'V-10']);
    assert.equal(pl.body.level, 'medium');
    assert.ok((await updatedAt(a.id)) > u, 'a places change moves updated_at');

    // Nothing to change: nothing written.
    u = await updatedAt(a.id);
    const same = await admin('PATCH', `/api/v1/risk-areas/${a.id}`, { level: 'medium' });
    assert.equal(same.status, 200);
    assert.equal(await updatedAt(a.id), u);

    const actions = (await auditActions(a.id)).map((e) => e.action);
    assert.deepEqual(actions, [
      'riskarea.declare',
      'riskarea.case',
      'riskarea.case',
      'riskarea.case',
      'riskarea.level',
      'riskarea.places',
    ]);
    const level = (await auditActions(a.id)).find((e) => e.action === 'riskarea.level')!;
    assert.deepEqual([level.detail.from, level.detail.to], ['high', 'medium']);
  });

  test('lifting by hand ends the area now; lifting it again is a conflict, and so is any change', async () => {
    const a = (await declare({ division: '440104' })).body;
    await ageUpdatedAt(a.id);
    const u = await updatedAt(a.id);
    const lifted = await admin('POST', `/api/v1/risk-areas/${a.id}/lift`, { reason: '流调完成 / tracing finished' });
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    assert.equal(lifted.body.liftedBy, 'manual');
    assert.equal(lifted.body.liftReason, '流调完成 / tracing finished');
    assert.equal(lifted.body.inForce, false);
    assert.equal(lifted.body.liftsByRuleAt, null);
    assert.ok(Date.parse(lifted.body.endsAt) >= Date.parse(a.startsAt));
    assert.ok((await updatedAt(a.id)) > u, 'a lift moves updated_at');

    const again = await admin('POST', `/api/v1/risk-areas/${a.id}/lift`, { reason: 'again' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'risk_area_lifted');
    assert.equal((await admin('POST', `/api/v1/risk-areas/${a.id}/cases`, {})).status, 409);
    assert.equal((await admin('PATCH', `/api/v1/risk-areas/${a.id}`, { level: 'low' })).status, 409);

    const entries = await auditActions(a.id);
    assert.deepEqual(
      entries.map((e) => e.action),
      ['riskarea.declare', 'riskarea.lift'],
    );
    assert.equal(entries[1]!.reason, '流调完成 / tracing finished');
    const notInForce = await anon('GET', '/api/v1/risk-areas?inForce=false&division=440104');
    assert.ok(notInForce.body.items.some((x: any) => x.id === a.id));
  });

  test('the 7-day rule lifts an area whose last case is 8 days old at last case + 7 days, not one with a recent case', async () => {
    const now = Date.now();
    const old = (await declare({ division: '440105' })).body;
    const oldCase = ago(8, now);
    // An area declared 10 days ago whose last case was 8 days ago (its history, as the command recorded it then).
    await platform.db.query('UPDATE risk_areas SET starts_at = $2, last_case_at = $3 WHERE id = $1', [
      old.id,
      ago(10, now),
      oldCase,
    ]);
    assert.equal(
      (await admin('POST', `/api/v1/risk-areas/${old.id}/cases`, {})).status,
      409,
      'past its rule time: no new case can revive it',
    );
    const recent = (await declare({ division: '440105', startsAt: ago(6, now) })).body;
    assert.equal((await admin('POST', `/api/v1/risk-areas/${recent.id}/cases`, { at: ago(2, now) })).status, 200);
    const fresh = (await declare({ division: '440105', level: 'medium', startsAt: ago(3, now) })).body;
    const noCase = (await declare({ division: '440105', level: 'low', startsAt: ago(6, now) })).body;
    await platform.db.query('UPDATE risk_areas SET starts_at = $2 WHERE id = $1', [noCase.id, ago(7.5, now)]);

    // Before the sweep the rule already shows: the overdue area reads as lifted by rule.
    const pending = (await anon('GET', `/api/v1/risk-areas/${old.id}`)).body;
    assert.equal(pending.inForce, false);
    assert.equal(pending.endsAt, plus(oldCase, 7));
    assert.equal(pending.liftedBy, 'rule');

    await ageUpdatedAt(old.id);
    const u = await updatedAt(old.id);
    const lifted = await liftByRule(platform, new Date(now));
    assert.ok(lifted.includes(old.id));
    assert.ok(lifted.includes(noCase.id));
    assert.ok(!lifted.includes(recent.id));
    assert.ok(!lifted.includes(fresh.id));
    assert.ok((await updatedAt(old.id)) > u, 'a lift by rule moves updated_at');

    const row = (
      await platform.db.query<{ ends_at: Date; lifted_by: string; lift_reason: string }>(
        'SELECT ends_at, lifted_by, lift_reason FROM risk_areas WHERE id = $1',
        [old.id],
      )
    ).rows[0]!;
    assert.equal(new Date(row.ends_at).toISOString(), plus(oldCase, 7), 'ends at last case + 7 days, not at the sweep');
    assert.equal(row.lifted_by, 'rule');
    assert.equal(row.lift_reason, RULE_LIFT_REASON);
    const noCaseRow = (await anon('GET', `/api/v1/risk-areas/${noCase.id}`)).body;
    assert.equal(noCaseRow.endsAt, plus(ago(7.5, now), 7), 'without a case the rule counts from the start');

    const entries = await auditActions(old.id);
    assert.deepEqual(
      entries.map((e) => e.action),
      ['riskarea.declare', 'riskarea.lift'],
    );
    const lift = entries.find((e) => e.action === 'riskarea.lift')!;
    assert.equal(lift.actor.kind, 'system');
    assert.equal(lift.detail.by, 'rule');

    // Lifted once: a second sweep lifts nothing of these, and a hand lift is a conflict.
    const second = await liftByRule(platform, new Date(now));
    assert.ok(!second.includes(old.id));
    assert.equal((await admin('POST', `/api/v1/risk-areas/${old.id}/lift`, { reason: 'x' })).status, 409);
    const recentNow = (await anon('GET', `/api/v1/risk-areas/${recent.id}`)).body;
    assert.equal(recentNow.inForce, true);
    assert.equal(recentNow.liftsByRuleAt, plus(recentNow.lastCaseAt, 7));
  });

  test('a county is back to routine when no high or medium area remains in force in it', async () => {
    const county = '440111';
    const start = (await anon('GET', `/api/v1/risk-areas/divisions/${county}`)).body;
    assert.equal(start.routine, true);
    assert.deepEqual(start.name, { 'zh-CN': '白云区', en: 'Baiyun District' });
    const high = (await declare({ division: county, level: 'high' })).body;
    const low = (await declare({ division: county, level: 'low' })).body;
    let s = (await anon('GET', `/api/v1/risk-areas/divisions/${county}`)).body;
    assert.equal(s.routine, false);
    assert.equal(s.high, 1);
    assert.equal(s.low, 1);
    assert.deepEqual(s.areas.map((a: any) => a.id).sort(), [high.id, low.id].sort());
    const city = (await anon('GET', '/api/v1/risk-areas/divisions/440100')).body;
    assert.equal(city.routine, false, 'the city is not back to routine while one of its counties is not');
    assert.equal(
      (await anon('GET', '/api/v1/risk-areas/divisions/440300')).body.areas.some((a: any) => a.id === high.id),
      false,
    );

    assert.equal((await admin('PATCH', `/api/v1/risk-areas/${high.id}`, { level: 'medium' })).status, 200);
    s = (await anon('GET', `/api/v1/risk-areas/divisions/${county}`)).body;
    assert.equal(s.routine, false);
    assert.equal(s.medium, 1);
    assert.equal((await admin('POST', `/api/v1/risk-areas/${high.id}/lift`, { reason: 'done' })).status, 200);
    s = (await anon('GET', `/api/v1/risk-areas/divisions/${county}`)).body;
    assert.equal(s.routine, true, 'only a low-risk area remains');
    assert.equal(s.low, 1);
    const earlier = (await anon('GET', `/api/v1/risk-areas/divisions/${county}?at=${encodeURIComponent(ago(1))}`)).body;
    assert.equal(earlier.routine, true, 'before the areas were declared');
    assert.equal((await anon('GET', '/api/v1/risk-areas/divisions/449999')).status, 400);
  });

  test('only a data-center administrator changes risk areas (403), and the public reads without a token', async () => {
    const a = (await declare({ division: '440112' })).body;
    const tries: Array<[string, string, unknown]> = [
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440112', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'] },
      ],
      ['POST', `/api/v1/risk-areas/${a.id}/cases`, {}],
      ['PATCH', `/api/v1/risk-areas/${a.id}`, { level: 'low' }],
      ['POST', `/api/v1/risk-areas/${a.id}/lift`, { reason: 'no' }],
      ['POST', '/api/v1/risk-areas/sweep', undefined],
    ];
    for (const [method, path, body] of tries) {
      const res = await dept(method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.code, 'admin_required');
      assert.equal((await anon(method, path, body)).status, 401, `${method} ${path} anonymous`);
    }
    assert.equal((await anon('GET', `/api/v1/risk-areas/${a.id}`)).body.level, 'high', 'unchanged');
    const sweep = await admin('POST', '/api/v1/risk-areas/sweep');
    assert.equal(sweep.status, 200);
    assert.ok(Array.isArray(sweep.body.lifted));
  });

  test('bad input is a clear 4xx and changes nothing', async () => {
    const a = (await declare({ division: '440113' })).body;
    const cases: Array<[string, string, unknown, number, string | RegExp]> = [
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'severe', places: ['x'] },
        400,
        /level/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: [] },
        400,
        /places/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'.repeat(65)] },
        400,
        /places/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        {
          division: '440113',
          name: { 'zh-CN': '甲', en: 'A' },
          level: 'high',
          places: Array.from({ length: 1001 }, (_, i) => `p${i}`),
        },
        400,
        /places/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '', en: 'A' }, level: 'high', places: ['x'] },
        400,
        /name/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲' }, level: 'high', places: ['x'] },
        400,
        /en/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '4401', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'] },
        400,
        /division/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '449999', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'] },
        400,
        'invalid_division',
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440100', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'] },
        400,
        'invalid_division',
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440000', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'] },
        400,
        'invalid_division',
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'], startsAt: 'soon' },
        400,
        /startsAt/,
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'], startsAt: ago(8) },
        400,
        'area_already_lifted',
      ],
      [
        'POST',
        '/api/v1/risk-areas',
        { division: '440113', name: { 'zh-CN': '甲', en: 'A' }, level: 'high', places: ['x'], colour: 'red' },
        400,
        /colour/,
      ],
      ['POST', `/api/v1/risk-areas/${a.id}/cases`, { at: 'yesterday' }, 400, /at/],
      [
        'POST',
        `/api/v1/risk-areas/${a.id}/cases`,
        { at: new Date(Date.now() + 2 * DAY).toISOString() },
        400,
        'case_in_future',
      ],
      ['POST', `/api/v1/risk-areas/${a.id}/cases`, { at: ago(1, Date.parse(a.startsAt)) }, 400, 'case_before_start'],
      ['PATCH', `/api/v1/risk-areas/${a.id}`, {}, 400, 'validation_failed'],
      ['PATCH', `/api/v1/risk-areas/${a.id}`, { level: 'none' }, 400, /level/],
      ['POST', `/api/v1/risk-areas/${a.id}/lift`, {}, 400, /reason/],
      ['POST', `/api/v1/risk-areas/${a.id}/lift`, { reason: '   ' }, 400, /reason/],
      ['POST', '/api/v1/risk-areas/RA-000000000000/lift', { reason: 'x' }, 404, 'risk_area_not_found'],
      ['POST', '/api/v1/risk-areas/RA-000000000000/cases', {}, 404, 'risk_area_not_found'],
      ['GET', '/api/v1/risk-areas/RA-000000000000', undefined, 404, 'risk_area_not_found'],
      ['GET', '/api/v1/risk-areas?inForce=maybe', undefined, 400, /inForce/],
      ['GET', '/api/v1/risk-areas?division=44', undefined, 400, /division/],
      ['GET', '/api/v1/risk-areas?at=now', undefined, 400, /at/],
      ['GET', '/api/v1/risk-areas?limit=0', undefined, 400, /limit/],
      ['GET', '/api/v1/risk-areas?colour=red', undefined, 400, /colour/],
      ['GET', '/api/v1/risk-areas/divisions/4401', undefined, 400, /division/],
    ];
    for (const [method, path, body, status, what] of cases) {
      const res = await admin(method, path, body);
      assert.equal(
        res.status,
        status,
        `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}: ${JSON.stringify(res.body)}`,
      );
      if (typeof what === 'string') assert.equal(res.body.code, what);
      else assert.match(`${res.body.detail}`, what, `${method} ${path}`);
    }
    const noBody = await admin('POST', `/api/v1/risk-areas/${a.id}/lift`);
    assert.equal(noBody.status, 400);
    const malformed = await admin('POST', '/api/v1/risk-areas', '{"division":', { 'content-type': 'application/json' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'malformed_json');
    const after = (await anon('GET', `/api/v1/risk-areas/${a.id}`)).body;
    assert.deepEqual(after, { ...a, inForce: true }, 'unchanged');
    assert.deepEqual(
      (await auditActions(a.id)).map((e) => e.action),
      ['riskarea.declare'],
    );
  });

  test('the recompute worker follows changes; the facts loader finds the areas in force over a period', async () => {
    const since = (
      await platform.db.query<{ t: string }>(
        `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t`,
      )
    ).rows[0]!.t;
    const a = (await declare({ division: '440114', startsAt: ago(2), places: ['P-A'] })).body;
    const b = (await declare({ division: '440114', startsAt: ago(2), level: 'medium', places: ['P-B'] })).body;
    let changed = await areasChangedSince(platform.db, since);
    const ids = changed.map((c) => c.id);
    assert.ok(ids.includes(a.id) && ids.includes(b.id));
    const mark = changed.at(-1)!.updatedAt;
    assert.match(mark, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.deepEqual(await areasChangedSince(platform.db, mark), [], 'nothing after the last change');

    await admin('POST', `/api/v1/risk-areas/${b.id}/lift`, { reason: 'done' });
    changed = await areasChangedSince(platform.db, mark);
    assert.deepEqual(
      changed.map((c) => c.id),
      [b.id],
    );
    assert.equal(changed[0]!.level, 'medium');
    assert.deepEqual(changed[0]!.places, ['P-B']);
    assert.ok(changed[0]!.endsAt !== null);

    const windowA = (await areasOverlapping(platform.db, ago(1), new Date())).filter((w) => w.division === '440114');
    assert.deepEqual(windowA.map((w) => w.id).sort(), [a.id, b.id].sort());
    const wa = windowA.find((w) => w.id === a.id)!;
    assert.deepEqual(
      { level: wa.level, places: wa.places, startsAt: wa.startsAt, endsAt: wa.endsAt },
      { level: 'high', places: ['P-A'], startsAt: a.startsAt, endsAt: null },
    );
    assert.equal(wa.liftsByRuleAt, plus(a.startsAt, 7));
    const beforeAll = (await areasOverlapping(platform.db, ago(5), ago(3))).filter((w) => w.division === '440114');
    assert.deepEqual(beforeAll, []);
    const afterB = (
      await areasOverlapping(platform.db, new Date(Date.now() + 1000), new Date(Date.now() + DAY))
    ).filter((w) => w.division === '440114');
    assert.deepEqual(
      afterB.map((w) => w.id),
      [a.id],
      'b was lifted',
    );
  });
});
