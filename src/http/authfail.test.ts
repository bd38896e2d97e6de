import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import type { RunningPlatform } from '../node/platform.js';
import { clientOf, FailedAuthLog, MAX_SOURCES } from './authfail.js';

test('failures are counted per IPv4 address and per IPv6 /64, however the address is written', () => {
  assert.equal(clientOf('203.0.113.7'), '203.0.113.7');
  assert.equal(clientOf('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientOf('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64', 'one /64, written another way');
  assert.notEqual(clientOf('2001:db8:1:3::9'), clientOf('2001:db8:1:2::9'));
});

describeEachEngine('failed authentications in the ledger', (getPlatform) => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await getPlatform();
  });

  test('however many sources fail in a minute, the ledger gets a bounded number of entries whose counts add up', async () => {
    const count = async () =>
      (
        await platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_entries WHERE entry LIKE '%"action":"auth.failed"%'`,
        )
      ).rows[0]!.n;
    const before = await count();
    const log = new FailedAuthLog(
      platform,
      (err) => assert.fail(String(err)),
      () => Date.UTC(2026, 11, 3, 12, 0, 30),
    );
    const sources = 5 * MAX_SOURCES;
    for (let i = 0; i < sources; i++) log.record(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'GET', '/x');
    await log.flush(true);
    await platform.ledger.flush();
    const written = (await count()) - before;
    assert.equal(written, MAX_SOURCES + 1, 'one entry per kept source, and one for the overflow');
    const rows = await platform.db.query<{ entry: string }>(
      `SELECT entry FROM audit_entries WHERE entry LIKE '%"action":"auth.failed"%' ORDER BY seq DESC LIMIT $1`,
      [written],
    );
    const total = rows.rows.reduce((n, r) => n + (JSON.parse(r.entry).detail.count as number), 0);
    assert.equal(total, sources);
    assert.ok(
      rows.rows.every((r) => !r.entry.includes('10.0.')),
      'no address in clear',
    );
  });
});
