/**
 * Small allocation-free calendar helpers shared by checks.ts and validate.ts.
 * "China Standard Time" (CST) is UTC+08:00 with no daylight saving time.
 */

export const CST_OFFSET_MS = 8 * 3600 * 1000;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True when y-m-d (month 1..12) is a real proleptic-Gregorian calendar date with a 4-digit year. */
export function isValidYmd(y: number, m: number, d: number): boolean {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Days since 1970-01-01 for a civil date (H. Hinnant's algorithm; no Date allocation, valid for years 1..9999). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Parses `len` ASCII digits of `s` starting at `at`; returns -1 if any is not a digit. */
export function readDigits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48; // NaN past the end of the string
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

let todayYmd = 0;
let todayValidUntil = 0;

/** Today's date in CST as the number YYYYMMDD (cached until the next CST midnight). */
export function todayCstYmd(now: number = Date.now()): number {
  if (now < todayValidUntil && now >= todayValidUntil - 86_400_000) return todayYmd;
  const d = new Date(now + CST_OFFSET_MS);
  todayYmd = d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
  const cstMidnight = Math.floor((now + CST_OFFSET_MS) / 86_400_000) * 86_400_000 - CST_OFFSET_MS;
  todayValidUntil = cstMidnight + 86_400_000;
  return todayYmd;
}

/** Formats a Date as YYYYMMDD using its calendar day in CST. */
export function cstYmdString(date: Date): string {
  const d = new Date(date.getTime() + CST_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return String(y).padStart(4, '0') + (m < 10 ? '0' : '') + m + (day < 10 ? '0' : '') + day;
}
