import { CST_OFFSET_MS, daysFromCivil, isValidYmd, readDigits } from './dates.js';

/**
 * Parses 'YYYY-MM-DD' or 'YYYYMMDD' (a real calendar date) and returns the canonical 'YYYY-MM-DD',
 * or null. The canonical form is returned without allocating when the input already is canonical.
 */
export function parseDateString(s: string): string | null {
  if (s.length === 10) {
    if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
    return isValidYmd(readDigits(s, 0, 4), readDigits(s, 5, 2), readDigits(s, 8, 2)) ? s : null;
  }
  if (s.length === 8) {
    if (!isValidYmd(readDigits(s, 0, 4), readDigits(s, 4, 2), readDigits(s, 6, 2))) return null;
    return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  }
  return null;
}

/** Formats a Date's calendar day in China Standard Time as 'YYYY-MM-DD' (null when invalid). */
export function dateToCstDateString(d: Date): string | null {
  const t = d.getTime();
  if (Number.isNaN(t)) return null;
  const iso = new Date(t + CST_OFFSET_MS).toISOString();
  return iso.length === 24 ? iso.slice(0, 10) : null;
}

/**
 * Parses an ISO 8601 date-time and returns epoch milliseconds, or NaN.
 * Accepted: `YYYY-MM-DD(T| )HH:MM[:SS[(.|,)fraction]][Z | ±HH | ±HHMM | ±HH:MM]`.
 * Without an offset the time is interpreted as China Standard Time (+08:00).
 * Fractions beyond milliseconds are truncated. Hours 00-23, minutes/seconds 00-59 (no leap seconds).
 */
export function parseDatetimeMs(s: string): number {
  const n = s.length;
  if (n < 16) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = readDigits(s, 0, 4);
  const mo = readDigits(s, 5, 2);
  const d = readDigits(s, 8, 2);
  if (!isValidYmd(y, mo, d)) return NaN;
  const sep = s.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32 /* space */) return NaN;
  const h = readDigits(s, 11, 2);
  if (s.charCodeAt(13) !== 58 /* : */) return NaN;
  const mi = readDigits(s, 14, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (i < n && s.charCodeAt(i) === 58) {
    sec = readDigits(s, i + 1, 2);
    if (sec < 0 || sec > 59 || i + 3 > n) return NaN;
    i += 3;
    const c = s.charCodeAt(i);
    if (i < n && (c === 46 /* . */ || c === 44) /* , */) {
      i++;
      const start = i;
      let scale = 100;
      while (i < n) {
        const dg = s.charCodeAt(i) - 48;
        if (dg < 0 || dg > 9) break;
        ms += dg * scale;
        scale /= 10;
        i++;
      }
      if (i === start) return NaN;
      ms = Math.floor(ms);
    }
  }
  let offsetMin = 480; // China Standard Time when no designator is given
  if (i < n) {
    const c = s.charCodeAt(i);
    if ((c === 90 /* Z */ || c === 122) /* z */ && i + 1 === n) {
      offsetMin = 0;
    } else if (c === 43 /* + */ || c === 45 /* - */) {
      const rest = n - i - 1;
      const oh = readDigits(s, i + 1, 2);
      let om = 0;
      if (rest === 2) om = 0;
      else if (rest === 4) om = readDigits(s, i + 3, 2);
      else if (rest === 5 && s.charCodeAt(i + 3) === 58) om = readDigits(s, i + 4, 2);
      else return NaN;
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return NaN;
    }
  }
  return (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms - offsetMin * 60000;
}

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['是', true],
  ['否', false],
  ['yes', true],
  ['no', false],
]);

/** true/false, 1/0, 是/否, yes/no (ASCII words case-insensitive); undefined when not a boolean. */
export function parseBooleanString(s: string): boolean | undefined {
  const b = BOOLEANS.get(s);
  return b !== undefined ? b : BOOLEANS.get(s.toLowerCase());
}
