import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chinaDate, chinaTime } from './format.js';
import { renderShareList, renderShareRequest, shareSummary } from './commands/sharing.js';
import type { ShareRequest } from './types.js';

test('chinaTime: instants in China Standard Time, marked UTC+8; other text kept; nothing for null', () => {
  assert.equal(chinaTime('2026-10-16T15:59:59.999Z'), '2026-10-16 23:59 (UTC+8)');
  assert.equal(chinaTime('2026-12-17T15:59:59.999Z', { seconds: true }), '2026-12-17 23:59:59 (UTC+8)');
  assert.equal(chinaTime('2026-12-31T16:30:00Z'), '2027-01-01 00:30 (UTC+8)'); // the next day in China
  assert.equal(chinaTime('2026-12-31T18:00:00+08:00'), '2026-12-31 18:00 (UTC+8)');
  assert.equal(chinaTime('conditional'), 'conditional');
  assert.equal(chinaTime('2026-13-45T00:00:00Z'), '2026-13-45T00:00:00Z');
  assert.equal(chinaTime(null), '');
  assert.equal(chinaDate('2026-09-27T16:30:00Z'), '2026-09-28');
});

const request = (over: Partial<ShareRequest> = {}): ShareRequest => ({
  id: 'shr_1',
  dataset: 'residents',
  owner: 'gd-ps',
  consumer: 'gd-cdc',
  fields: ['citizen_id'],
  clearFields: [],
  purposes: ['contact_tracing'],
  purposeText: 'trace contacts',
  legalBasis: 'Infectious Diseases Law',
  periodStart: '2026-09-28T02:00:00.000Z',
  periodEnd: '2026-12-31T15:59:59.999Z',
  scope: {},
  status: 'pending',
  live: false,
  overdue: false,
  deadline: '2026-10-16T15:59:59.999Z',
  deadlineCalendar: 'official',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  renews: null,
  createdAt: '2026-09-28T02:00:00.000Z',
  ...over,
});

test('sharing output shows the deadline in China time, and says when it counted weekends only', () => {
  assert.equal(shareSummary(request()), 'request shr_1 pending: gd-ps must answer by 2026-10-16 23:59 (UTC+8)\n');
  const shown = renderShareRequest(request());
  assert.match(shown, /\nanswer due: {4}2026-10-16 23:59 \(UTC\+8\)\n/);
  assert.match(shown, /\nperiod: {8}2026-09-28 10:00 \(UTC\+8\) → 2026-12-31 23:59 \(UTC\+8\)\n/);
  assert.match(shown, /\ncreated: {7}2026-09-28 10:00 \(UTC\+8\)\n/);
  assert.doesNotMatch(shown, /Z\b/, 'no UTC instants for people');

  const late = request({ deadline: '2027-01-01T15:59:59.999Z', deadlineCalendar: 'weekends-only' });
  assert.match(
    shareSummary(late),
    /^request shr_1 pending: gd-ps must answer by 2027-01-01 23:59 \(UTC\+8\) \(counted skipping weekends only: it runs past the years the official working-day calendar covers/,
  );
  assert.match(
    renderShareRequest(late),
    /\nanswer due: {4}2027-01-01 23:59 \(UTC\+8\) \(counted skipping weekends only/,
  );
  assert.equal(
    renderShareList([late, request({ id: 'shr_2' })]),
    'ID     DATASET    CONSUMER → OWNER  STATUS   ANSWER DUE                  PERIOD END\n' +
      'shr_1  residents  gd-cdc → gd-ps    pending  2027-01-01 23:59 (UTC+8) *  2026-12-31 23:59 (UTC+8)\n' +
      'shr_2  residents  gd-cdc → gd-ps    pending  2026-10-16 23:59 (UTC+8)    2026-12-31 23:59 (UTC+8)\n' +
      '\n* counted skipping weekends only: it runs past the years the official working-day calendar covers (an administrator adds a year with PUT /api/v1/admin/calendar/{year})\n',
  );
  assert.doesNotMatch(renderShareList([request()]), /\*/);
});
