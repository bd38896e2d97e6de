// Plain-text tables for terminals: columns padded by display width, where CJK and other
// East Asian wide characters take two cells and combining marks none.

const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo
  [0x2e80, 0x303e], // CJK radicals, Kangxi, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x20000, 0x2fffd], // CJK extensions B–F
  [0x30000, 0x3fffd], // CJK extension G
];

const ZERO: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f], // combining diacritics
  [0x200b, 0x200f], // zero-width space, joiners, direction marks
  [0xfe00, 0xfe0f], // variation selectors
];

const within = (cp: number, ranges: ReadonlyArray<readonly [number, number]>): boolean =>
  ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

/** Terminal cells one code point occupies. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (within(cp, ZERO)) return 0;
  return within(cp, WIDE) ? 2 : 1;
}

/** Terminal cells a string occupies. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

export type Cell = string | number | boolean | null | undefined;

/** One line per cell: tabs and line breaks would break the columns. */
export function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  return String(c).replace(/[\t\r\n]+/g, ' ');
}

export interface TableOptions {
  /** Columns to align right (numbers). */
  right?: readonly number[];
  /** Spaces between columns; 2 unless told. */
  gap?: number;
}

/** Renders a header line and rows, every line ending in a newline and without trailing spaces. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, opts: TableOptions = {}): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const right = new Set(opts.right ?? []);
  const text = [headers.map(cellText), ...rows.map((r) => headers.map((_h, i) => cellText(r[i])))];
  const widths = headers.map((_h, i) => Math.max(...text.map((r) => displayWidth(r[i] ?? ''))));
  const last = headers.length - 1;
  return text
    .map((r) =>
      r
        .map((c, i) => {
          const w = widths[i] ?? 0;
          if (right.has(i)) return padStart(c, w);
          return i === last ? c : padEnd(c, w);
        })
        .join(gap)
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `key:  value` lines with the keys padded to one width (for `show` commands); empty values are left out. */
export function renderPairs(pairs: ReadonlyArray<readonly [string, Cell]>): string {
  const shown = pairs.filter(([, v]) => cellText(v) !== '');
  const w = Math.max(0, ...shown.map(([k]) => displayWidth(k)));
  return shown.map(([k, v]) => `${padEnd(`${k}:`, w + 1)}  ${cellText(v)}`.trimEnd() + '\n').join('');
}
