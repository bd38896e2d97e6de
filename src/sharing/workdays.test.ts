import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_CALENDAR, builtinYear, makeCalendar } from './calendar/calendar.js';
import { addWorkingDays } from './workdays.js';

const due = (from: string, days: number) => {
  const d = addWorkingDays(new Date(from), days);
  return [d.deadline.toISOString(), d.calendar];
};
const weekendsOnly = makeCalendar([]);

test('National Day 2026: 10 working days from 2026-09-28 end on 2026-10-16, 23:59:59.999 CST', () => {
  // 09-29, 09-30, (10-01..10-07 off), 10-08, 10-09, 10-10 (a make-up Saturday), 10-12 .. 10-16.
  assert.deepEqual(due('2026-09-28T02:00:00Z', 10), ['2026-10-16T15:59:59.999Z', 'official']);
  // Counted in China time: 00:30 and 23:59 CST on 09-28 are the same start day; 00:30 on 09-29 is the next one.
  assert.deepEqual(due('2026-09-27T16:30:00Z', 10), ['2026-10-16T15:59:59.999Z', 'official']);
  assert.deepEqual(due('2026-09-28T15:59:00Z', 10), ['2026-10-16T15:59:59.999Z', 'official']);
  assert.deepEqual(due('2026-09-28T16:30:00Z', 10), ['2026-10-19T15:59:59.999Z', 'official']);
  // Skipping weekends only (what the count did before the official calendar) gives 2026-10-12.
  const naive = addWorkingDays(new Date('2026-09-28T02:00:00Z'), 10, weekendsOnly);
  assert.deepEqual([naive.deadline.toISOString(), naive.calendar], ['2026-10-12T15:59:59.999Z', 'weekends-only']);
});

test('make-up working days count: the Sunday before National Day 2026 and the Saturday after it', () => {
  assert.deepEqual(due('2026-09-18T02:00:00Z', 1), ['2026-09-20T15:59:59.999Z', 'official']); // Fri -> Sun 09-20
  assert.deepEqual(due('2026-10-09T02:00:00Z', 1), ['2026-10-10T15:59:59.999Z', 'official']); // Fri -> Sat 10-10
  assert.deepEqual(due('2026-10-10T02:00:00Z', 1), ['2026-10-12T15:59:59.999Z', 'official']); // Sat -> Mon
  assert.deepEqual(due('2025-09-26T02:00:00Z', 1), ['2025-09-28T15:59:59.999Z', 'official']); // 2025: Sun 09-28
});

test('Spring Festival 2026 (the latest covered year): 02-15..02-23 off, Saturdays 02-14 and 02-28 worked', () => {
  // Thu 02-12: 02-13, 02-14 (Sat, worked), then 02-24, 02-25, 02-26.
  assert.deepEqual(due('2026-02-12T02:00:00Z', 5), ['2026-02-26T15:59:59.999Z', 'official']);
  // 10 days from Thu 02-12: ... 02-27 (6), 02-28 (Sat, worked: 7), 03-02, 03-03, 03-04 (10).
  assert.deepEqual(due('2026-02-12T02:00:00Z', 10), ['2026-03-04T15:59:59.999Z', 'official']);
  // Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
  assert.deepEqual(due('2025-01-24T02:00:00Z', 2), ['2025-01-27T15:59:59.999Z', 'official']);
  assert.deepEqual(due('2025-01-27T02:00:00Z', 1), ['2025-02-05T15:59:59.999Z', 'official']);
});

test('a deadline running past the covered years counts weekends only there, and says so', () => {
  const last = Math.max(...BUILTIN_CALENDAR.years.keys());
  assert.equal(last, 2026);
  assert.deepEqual(due('2026-12-01T02:00:00Z', 10), ['2026-12-15T15:59:59.999Z', 'official']);
  // 12-21 .. 12-25, 12-28 .. 12-31, then 2027-01-01 (a Friday; 2027 is not covered).
  assert.deepEqual(due('2026-12-20T02:00:00Z', 10), ['2027-01-01T15:59:59.999Z', 'weekends-only']);
  assert.deepEqual(due('2022-05-06T02:00:00Z', 10), ['2022-05-20T15:59:59.999Z', 'weekends-only']);
  // Once 2027 is in the calendar (an administrator's year), the same deadline is official and skips its holiday.
  const with2027 = makeCalendar([
    builtinYear(2026)!,
    { ...builtinYear(2026)!, year: 2027, holidays: ['2027-01-01'], workdays: [], source: 'admin' },
  ]);
  const d = addWorkingDays(new Date('2026-12-20T02:00:00Z'), 10, with2027);
  assert.deepEqual([d.deadline.toISOString(), d.calendar], ['2027-01-04T15:59:59.999Z', 'official']);
});

test('the built-in table: every year lists its days off and make-up days inside that year, none both', () => {
  for (const year of BUILTIN_CALENDAR.years.keys()) {
    const y = builtinYear(year)!;
    assert.ok(y.holidays.length >= 10 && y.workdays.length >= 1, `${year}`);
    for (const d of [...y.holidays, ...y.workdays]) assert.equal(d.slice(0, 4), String(year));
    for (const d of y.workdays) assert.ok([0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()), `${d} is a weekend`);
    assert.deepEqual(
      y.holidays.filter((d) => y.workdays.includes(d)),
      [],
    );
  }
});
