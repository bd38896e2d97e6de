// Text that may carry personal data on its way into a log or the ledger: anything shaped like a resident ID number
// (18 characters, or the old 15 digits) or a mainland mobile number, not inside a longer run of digits, is replaced.

/** 18-digit (and old 15-digit) resident ID numbers and mainland mobile numbers, not inside longer digit runs. */
const PERSONAL = /(?<![\d.])(?:\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![\dA-Za-z])/g;

export const REDACTED = '[redacted]';

export const scrubPersonal = (text: string): string => text.replace(PERSONAL, REDACTED);

/** A JSON-like value with every string in it scrubbed (a new value; the one given is not changed). */
export function scrubDeep<T>(value: T): T {
  if (typeof value === 'string') return scrubPersonal(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v);
    return out as T;
  }
  return value;
}
