import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../testing/db.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { sharingFixture } from '../../testing/fixtures.js';
import type { RunningPlatform } from '../../node/platform.js';
import { addWorkingDays } from '../workdays.js';
import { BUILTIN_YEARS, builtinYear, makeCalendar, type CalendarYear } from './calendar.js';
import { loadCalendar } from './service.js';

describeEachEngine('working-day calendar', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  const ask = () =>
    f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.conditional,
      fields: ['citizen_id'],
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD002',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
    });
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

  test('GET a year: the State Council arrangement shipped; a year not covered is a 404 saying so', async () => {
    const y = await f.api(f.admin.token)('GET', '/api/v1/admin/calendar/2026');
    assert.equal(y.status, 200, JSON.stringify(y.body));
    assert.equal(y.body.source, 'builtin');
    assert.ok(y.body.holidays.includes('2026-10-01') && y.body.holidays.includes('2026-02-17'));
    assert.deepEqual(y.body.workdays, [
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
    const none = await f.api(f.admin.token)('GET', '/api/v1/admin/calendar/2040');
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'calendar_year_not_covered');
    assert.equal((await f.api(f.consumer.token)('GET', '/api/v1/admin/calendar/2026')).status, 403);
    assert.equal((await f.api()('GET', '/api/v1/admin/calendar/2026')).status, 401);
  });

  test('a deadline past the covered years is flagged weekends-only; once an administrator sets them, official', async () => {
    const settings = platform.settings as { answerWorkingDays: number };
    const before = settings.answerWorkingDays;
    settings.answerWorkingDays = 60; // ends beyond the last covered year, whenever this runs
    try {
      let t0 = Date.now();
      const flagged = await ask();
      let t1 = Date.now();
      assert.equal(flagged.status, 201, JSON.stringify(flagged.body));
      assert.equal(flagged.body.deadlineCalendar, 'weekends-only');
      const due = (cal = makeCalendar(BUILTIN_YEARS.map((y) => builtinYear(y)!))) =>
        [t0, t1].map((t) => addWorkingDays(new Date(t), 60, cal).deadline.toISOString());
      assert.ok(due().includes(flagged.body.deadline), flagged.body.deadline);
      const shown = await f.api(f.consumer.token)('GET', `/api/v1/sharing/requests/${flagged.body.id}`);
      assert.equal(shown.body.deadlineCalendar, 'weekends-only');

      // The administrator sets every year the deadline spans that the table lacks, each with New Year's Day off.
      const from = new Date(t0 + 8 * 3_600_000).getUTCFullYear();
      const to = new Date(flagged.body.deadline).getUTCFullYear() + 1;
      const set: CalendarYear[] = [];
      for (let year = from; year <= to; year++) {
        if (BUILTIN_YEARS.includes(year)) continue;
        const body = {
          holidays: [`${year}-01-01`],
          workdays: [],
          note: `国务院办公厅关于${year}年部分节假日安排的通知`,
        };
        const put = await f.api(f.admin.token)('PUT', `/api/v1/admin/calendar/${year}`, body);
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.source, 'admin');
        assert.equal(put.body.updatedBy, f.admin.id);
        set.push(put.body);
      }
      assert.ok(set.length > 0);
      const got = await f.api(f.admin.token)('GET', `/api/v1/admin/calendar/${set[0]!.year}`);
      assert.deepEqual(got.body.holidays, [`${set[0]!.year}-01-01`]);
      const list = await f.api(f.admin.token)('GET', '/api/v1/admin/calendar');
      assert.deepEqual(
        list.body.items.map((y: CalendarYear) => y.year),
        [...BUILTIN_YEARS, ...set.map((y) => y.year)],
      );
      const entries = await auditEntries('calendar.update');
      assert.deepEqual(
        entries.map((e) => e.detail),
        set.map((y) => ({ year: y.year, holidays: 1, workdays: 0 })),
      );

      t0 = Date.now();
      const official = await ask();
      t1 = Date.now();
      assert.equal(official.body.deadlineCalendar, 'official');
      const cal = makeCalendar([...BUILTIN_YEARS.map((y) => builtinYear(y)!), ...set]);
      assert.ok(due(cal).includes(official.body.deadline), official.body.deadline);
      // The request made before keeps the deadline and flag it was given.
      const again = await f.api(f.consumer.token)('GET', `/api/v1/sharing/requests/${flagged.body.id}`);
      assert.equal(again.body.deadlineCalendar, 'weekends-only');
      assert.equal(again.body.deadline, flagged.body.deadline);
    } finally {
      settings.answerWorkingDays = before;
    }
  });

  test('PUT checks its days and is the administrator’s alone', async () => {
    const put = (token: string, year: number, body: unknown) =>
      f.api(token)('PUT', `/api/v1/admin/calendar/${year}`, body);
    assert.equal((await put(f.owner.token, 2031, { holidays: [], workdays: [] })).body.code, 'admin_required');
    assert.equal(
      (await put(f.admin.token, 2031, { holidays: ['2031-02-30'], workdays: [] })).body.code,
      'invalid_date',
    );
    assert.equal(
      (await put(f.admin.token, 2031, { holidays: ['2032-01-01'], workdays: [] })).body.code,
      'date_outside_year',
    );
    assert.equal(
      (await put(f.admin.token, 2031, { holidays: ['2031-01-01', '2031-01-01'], workdays: [] })).body.code,
      'duplicate_date',
    );
    const both = await put(f.admin.token, 2031, { holidays: ['2031-01-04'], workdays: ['2031-01-04'] });
    assert.equal(both.status, 400);
    assert.equal(both.body.code, 'date_both_ways');
    assert.equal((await put(f.admin.token, 2031, { holidays: '2031-01-01', workdays: [] })).status, 400);
    assert.equal((await f.api(f.admin.token)('GET', '/api/v1/admin/calendar/2031')).status, 404, 'nothing stored');
  });

  test('a conditional request answers with its deadline and how it was counted; others have neither', async () => {
    const res = await ask();
    assert.match(res.body.deadline, /T15:59:59\.999Z$/, 'the end of a day in China Standard Time');
    assert.ok(['official', 'weekends-only'].includes(res.body.deadlineCalendar));
    const granted = await f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.unconditional,
      fields: ['citizen_id'],
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD002',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
    });
    assert.equal(granted.body.deadline, null);
    assert.equal(granted.body.deadlineCalendar, null);
  });

  // Last: it changes a built-in year for the rest of this file.
  test('an administrator corrects a built-in year: the correction replaces it for deadlines counted afterwards', async () => {
    const shipped = builtinYear(2026)!;
    const holidays = [...shipped.holidays, '2026-12-01'];
    const put = await f.api(f.admin.token)('PUT', '/api/v1/admin/calendar/2026', {
      holidays,
      workdays: shipped.workdays,
      note: `${shipped.note}（更正）`,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const got = await f.api(f.admin.token)('GET', '/api/v1/admin/calendar/2026');
    assert.equal(got.body.source, 'admin');
    assert.ok(got.body.holidays.includes('2026-12-01'));
    const year = (await loadCalendar(platform.db)).years.get(2026)!;
    assert.ok(year.off.has('2026-12-01') && year.off.has('2026-10-01') && year.on.has('2026-10-10'));
    // Monday 2026-11-30 + 1 working day: Tuesday 12-01 is now off.
    const d = addWorkingDays(new Date('2026-11-30T02:00:00Z'), 1, await loadCalendar(platform.db));
    assert.deepEqual([d.deadline.toISOString(), d.calendar], ['2026-12-02T15:59:59.999Z', 'official']);
  });
});
