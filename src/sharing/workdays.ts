const DAY = 86_400_000;
const CST = 8 * 3_600_000;

/**
 * Adds working days (Monday to Friday, China Standard Time) to a moment; the deadline is the end of the last
 * working day. Public holidays are not modelled: the count errs on the owner's side by at most a holiday.
 */
export function addWorkingDays(from: Date, days: number): Date {
  let local = Math.floor((from.getTime() + CST) / DAY) * DAY; // midnight CST of the start day, as local ms
  let left = days;
  while (left > 0) {
    local += DAY;
    const weekday = new Date(local).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return new Date(local + DAY - 1 - CST); // 23:59:59.999 CST of that day
}
