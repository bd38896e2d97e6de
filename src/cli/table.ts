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

/** The display width of every column: the widest of its header and cells. */
export function columnWidths(headers: readonly Cell[], rows: ReadonlyArray<readonly Cell[]>): number[] {
  const widths = headers.map((h) => displayWidth(cellText(h)));
  for (const r of rows) widths.forEach((w, i) => (widths[i] = Math.max(w, displayWidth(cellText(r[i])))));
  return widths;
}

/** One table line with the given column widths (a wider cell pushes the rest of its line right), newline-terminated. */
export function renderRow(cells: readonly Cell[], widths: readonly number[], opts: TableOptions = {}): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const right = new Set(opts.right ?? []);
  const last = widths.length - 1;
  const line = widths
    .map((w, i) => {
      const c = cellText(cells[i]);
      if (right.has(i)) return padStart(c, w);
      return i === last ? c : padEnd(c, w);
    })
    .join(gap)
    .trimEnd();
  return `${line}\n`;
}

/** Renders a header line and rows, every line ending in a newline and without trailing spaces. */
export function renderTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
  opts: TableOptions = {},
): string {
  const widths = columnWidths(headers, rows);
  return [headers, ...rows].map((r) => renderRow(r, widths, opts)).join('');
}

/** A table's header and how to turn one item into its row. */
export interface TableLayout<T> {
  headers: readonly string[];
  row: (item: T) => Cell[];
}

/**
 * A table printed while its items arrive: the columns and their widths come from the first `sample` items, which
 * are held back until then; later rows are written at once (a wider cell pushes the rest of its line right).
 * Memory stays bounded however many items follow.
 */
export class StreamingTable<T> {
  private held: T[] = [];
  private layout: TableLayout<T> | undefined;
  private widths: number[] = [];
  /** Items added so far. */
  count = 0;

  constructor(
    private readonly layoutOf: (sample: readonly T[]) => TableLayout<T>,
    private readonly write: (text: string) => void,
    private readonly opts: TableOptions & { sample?: number } = {},
  ) {}

  add(item: T): void {
    this.count += 1;
    if (this.layout) {
      this.write(renderRow(this.layout.row(item), this.widths, this.opts));
      return;
    }
    this.held.push(item);
    if (this.held.length >= (this.opts.sample ?? 500)) this.flush();
  }

  /** Writes the held items (call once the items end); writes nothing at all when there were none. */
  end(): void {
    if (this.held.length > 0) this.flush();
  }

  private flush(): void {
    const layout = this.layout ?? this.layoutOf(this.held);
    this.layout = layout;
    const rows = this.held.map((it) => layout.row(it));
    this.held = [];
    this.widths = columnWidths(layout.headers, rows);
    this.write([layout.headers, ...rows].map((r) => renderRow(r, this.widths, this.opts)).join(''));
  }
}

/** `key:  value` lines with the keys padded to one width (for `show` commands); empty values are left out. */
export function renderPairs(pairs: ReadonlyArray<readonly [string, Cell]>): string {
  const shown = pairs.filter(([, v]) => cellText(v) !== '');
  const w = Math.max(0, ...shown.map(([k]) => displayWidth(k)));
  return shown.map(([k, v]) => `${padEnd(`${k}:`, w + 1)}  ${cellText(v)}`.trimEnd() + '\n').join('');
}
