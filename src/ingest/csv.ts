import { badRequest } from '../core/problem.js';

/**
 * A streaming RFC 4180 CSV splitter: quoted fields with embedded delimiters, newlines and doubled quotes, CRLF or
 * LF line ends, a UTF-8 BOM. Written here rather than taken from a library because ingest is bound by it: lines
 * without quotes take a split() fast path (about 5x the throughput of csv-parse on the ingest benchmark).
 * Strict where a library would guess: a quote inside an unquoted field, text after a closing quote, or an
 * unclosed quote at the end fails the batch with the line number.
 */
const MAX_RECORD = 16 * 1024 * 1024;

export class CsvSplitter {
  private pending = '';
  private line = 1; // physical line where `pending` starts
  private started = false;

  constructor(private readonly delimiter = ',') {}

  /** Feeds the next piece of text; complete records are appended to `out`. */
  push(text: string, out: string[][]): void {
    let buf = this.pending + text;
    if (!this.started && buf.length > 0) {
      this.started = true;
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
    }
    this.pending = buf.slice(this.split(buf, false, out));
    if (this.pending.length > MAX_RECORD) throw this.fail(0, 'a record is longer than 16 MiB (an unclosed quote?)');
  }

  /** The input has ended: the last record need not end with a newline. */
  end(out: string[][]): void {
    const rest = this.pending;
    this.pending = '';
    if (rest.length > 0) this.split(rest, true, out);
  }

  /** Splits as many whole records as `buf` holds; returns where the unfinished part starts. */
  private split(buf: string, eof: boolean, out: string[][]): number {
    const d = this.delimiter;
    let pos = 0;
    let quote = -2; // next quote at or after pos (-1: none left); searched again only once pos passes it
    while (pos < buf.length) {
      const nl = buf.indexOf('\n', pos);
      if (nl === -1 && !eof) return pos;
      const lineEnd = nl === -1 ? buf.length : nl;
      if (quote !== -1 && quote < pos) quote = buf.indexOf('"', pos);
      if (quote === -1 || quote > lineEnd) {
        // Fast path: a line without quotes.
        let line = buf.slice(pos, lineEnd);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > 0) out.push(line.split(d));
        this.line += 1;
        pos = lineEnd + 1;
        continue;
      }
      const next = this.quoted(buf, pos, eof, out);
      if (next === -1) return pos;
      pos = next;
    }
    return pos;
  }

  /** Parses one record that contains quotes; -1 when it continues past the buffer. */
  private quoted(buf: string, start: number, eof: boolean, out: string[][]): number {
    const d = this.delimiter.charCodeAt(0);
    const fields: string[] = [];
    let pos = start;
    let lines = 0;
    for (;;) {
      let value: string;
      if (buf.charCodeAt(pos) === 34 /* " */) {
        let i = pos + 1;
        value = '';
        for (;;) {
          const q = buf.indexOf('"', i);
          if (q === -1 || (q === buf.length - 1 && !eof)) {
            if (!eof) return -1;
            throw this.fail(lines, 'a quoted field is not closed before the end of the file');
          }
          value += buf.slice(i, q);
          if (buf.charCodeAt(q + 1) === 34) {
            value += '"';
            i = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        for (let k = value.indexOf('\n'); k !== -1; k = value.indexOf('\n', k + 1)) lines += 1;
        const c = buf.charCodeAt(pos);
        if (
          pos < buf.length &&
          c !== d &&
          c !== 10 &&
          !(c === 13 && buf.charCodeAt(pos + 1) === 10) &&
          !(c === 13 && pos + 1 === buf.length)
        ) {
          throw this.fail(lines, 'unexpected text after a closing quote');
        }
      } else {
        let i = pos;
        for (; i < buf.length; i++) {
          const c = buf.charCodeAt(i);
          if (c === d || c === 10) break;
          if (c === 34)
            throw this.fail(lines, 'a quote inside an unquoted field (quote the whole field and double the quote)');
        }
        value = buf.slice(pos, i);
        if (value.endsWith('\r') && (i === buf.length || buf.charCodeAt(i) === 10)) value = value.slice(0, -1);
        pos = i;
      }
      fields.push(value);
      if (pos >= buf.length) {
        if (!eof) return -1;
        out.push(fields);
        this.line += lines + 1;
        return pos;
      }
      const c = buf.charCodeAt(pos);
      if (c === d) {
        pos += 1;
        continue;
      }
      if (c === 13) pos += 1;
      if (pos >= buf.length && !eof) return -1;
      pos += 1; // the newline
      out.push(fields);
      this.line += lines + 1;
      return pos;
    }
  }

  private fail(extraLines: number, reason: string) {
    return badRequest('csv_malformed', `The CSV is malformed at line ${this.line + extraLines}: ${reason}.`, {
      line: this.line + extraLines,
    });
  }
}
