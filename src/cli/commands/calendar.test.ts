// `sharing calendar` against the real server on loopback: an administrator sees the years covered and sets one;
// a request's deadline is then shown in China time, counted with it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../testing/db.js';
import { startTestServer, type TestServer } from '../../testing/server.js';
import { sharingFixture } from '../../testing/fixtures.js';
import { memoryIo } from '../io.js';
import { run } from '../program.js';

describeEachEngine('sharing calendar command', (getPlatform) => {
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  const cli = async (token: string, args: string[]) => {
    const io = memoryIo({ fetch, env: { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: token } });
    const code = await run(args, io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  before(async () => {
    const platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
  });
  after(async () => server.close());

  test('show lists the years covered and one year; set adds a year; others are refused', async () => {
    const years = await cli(f.admin.token, ['sharing', 'calendar', 'show']);
    assert.equal(years.code, 0, years.err);
    assert.match(years.out, /^YEAR +DAYS OFF +MAKE-UP DAYS +SOURCE\n/);
    assert.match(years.out, /\n2026 +33 +6 +built in\n/);
    assert.match(years.out, /\nA deadline running past these years counts weekends only there\.\n$/);

    const y2026 = await cli(f.admin.token, ['sharing', 'calendar', 'show', '2026']);
    assert.match(y2026.out, /\nnotice: +国务院办公厅关于2026年部分节假日安排的通知\n/);
    assert.match(
      y2026.out,
      /\nmake-up working days: +2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10\n/,
    );

    const set = await cli(f.admin.token, [
      'sharing',
      'calendar',
      'set',
      '2030',
      '--holidays',
      '2030-01-01,2030-02-04',
      '--workdays',
      '2030-02-09',
      '--note',
      '国务院办公厅关于2030年部分节假日安排的通知',
    ]);
    assert.equal(set.code, 0, set.err);
    assert.equal(set.out, 'calendar 2030 set: 2 days off, 1 make-up working days\n');
    const shown = await cli(f.admin.token, ['sharing', 'calendar', 'show', '2030']);
    assert.match(
      shown.out,
      new RegExp(`\\nsource: +set by ${f.admin.id} at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\(UTC\\+8\\)\\n`),
    );
    const json = JSON.parse((await cli(f.admin.token, ['sharing', 'calendar', 'show', '2030', '--json'])).out);
    assert.deepEqual(
      [json.holidays, json.workdays, json.source],
      [['2030-01-01', '2030-02-04'], ['2030-02-09'], 'admin'],
    );
    assert.match(json.updatedAt, /Z$/, 'JSON keeps ISO 8601 UTC');

    const refused = await cli(f.owner.token, ['sharing', 'calendar', 'set', '2031', '--holidays', '2031-01-01']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /admin_required/);
    const bad = await cli(f.admin.token, ['sharing', 'calendar', 'set', '2031', '--holidays', '2031-02-30']);
    assert.equal(bad.code, 2, 'a usage error, before any request');
    const none = await cli(f.admin.token, ['sharing', 'calendar', 'show', '2040']);
    assert.equal(none.code, 1);
    assert.match(none.err, /calendar_year_not_covered/);
  });

  test('a request made with the CLI prints its deadline in China time, the end of a working day', async () => {
    const req = await cli(f.consumer.token, [
      'sharing',
      'request',
      f.ds.conditional,
      '--fields',
      'citizen_id',
      '--purpose',
      'contact_tracing',
      '--purpose-text',
      'Tracing contacts of case GD002',
      '--legal-basis',
      '《传染病防治法》第十二条',
      '--until',
      f.inAWeek,
    ]);
    assert.equal(req.code, 0, req.err);
    assert.match(req.out, /^request shr_\S+ pending: \S+ must answer by \d{4}-\d{2}-\d{2} 23:59 \(UTC\+8\)/);
    assert.doesNotMatch(req.out, /\d{2}:\d{2}:\d{2}(\.\d+)?Z/);
  });
});
