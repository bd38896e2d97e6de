import type { LocalizedText } from '../core/i18n.js';
import { badRequest, tooLarge } from '../core/problem.js';
import { CsvSplitter } from './csv.js';

/** One source row: its values by local column name, or why it could not be read. */
export interface RawRow {
  row: number;
  values?: Record<string, unknown>;
  malformed?: LocalizedText;
}

const NOT_AN_OBJECT: LocalizedText = { en: 'the line is not a JSON object', 'zh-CN': '该行不是JSON对象' };

/**
 * Why a line is not JSON, in words of our own: the parser's message quotes the text around the error, which can
 * be personal data (an ID number), so only the kind of error and its position are kept.
 */
function notJson(err: unknown): LocalizedText {
  const m = err instanceof Error ? err.message : '';
  const pos = /at position (\d+)/.exec(m)?.[1];
  const at =
    pos === undefined
      ? { en: '', zh: '' }
      : { en: ` at character ${Number(pos) + 1}`, zh: `（第${Number(pos) + 1}个字符处）` };
  const [en, zh] = /Bad control character/.test(m)
    ? [
        'a control character (a raw NUL, tab or newline) inside a string must be escaped',
        '字符串中的控制字符（如NUL、制表符、换行）须转义',
      ]
    : /Unexpected end/.test(m)
      ? ['the line ends before the JSON value does', '该行在JSON结束前中断']
      : /escape|Unicode/i.test(m)
        ? ['a bad escape sequence in a string', '字符串中的转义序列无效']
        : ['unexpected text', '出现意外的内容'];
  return { en: `the line is not valid JSON: ${en}${at.en}`, 'zh-CN': `该行不是有效的JSON：${zh}${at.zh}` };
}

type Chunks = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** Counts bytes and stops a stream past the limit with 413. */
async function* limited(source: Chunks, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    seen += buf.length;
    if (seen > maxBytes)
      throw tooLarge(`The upload exceeds the ingest limit of ${maxBytes} bytes; split it into several batches.`);
    yield buf;
  }
}

/** Newline-delimited JSON: one object per line; a line that is not a JSON object is a bad row, not a bad batch. */
export async function* ndjsonRows(source: Chunks, maxBytes: number): AsyncGenerator<RawRow> {
  let rest = '';
  let row = 0;
  const decoder = new TextDecoder('utf-8');
  const lineOf = function (line: string): RawRow | undefined {
    const text = line.trim();
    if (text === '') return undefined;
    row += 1;
    try {
      const v: unknown = JSON.parse(text);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return { row, malformed: NOT_AN_OBJECT };
      return { row, values: v as Record<string, unknown> };
    } catch (err) {
      return { row, malformed: notJson(err) };
    }
  };
  for await (const chunk of limited(source, maxBytes)) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const r = lineOf(text.slice(start, nl));
      if (r) yield r;
      start = nl + 1;
    }
    rest = text.slice(start);
    if (rest.length > 16 * 1024 * 1024)
      throw badRequest('ndjson_malformed', `Line ${row + 1} is longer than 16 MiB; is this really NDJSON?`);
  }
  const r = lineOf(rest + decoder.decode());
  if (r) yield r;
}

/**
 * CSV with a header line (RFC 4180; see csv.ts). A structurally broken file (an unclosed quote, say) fails the
 * whole batch; a row with the wrong number of cells is one bad row.
 */
export async function* csvRows(
  source: Chunks,
  maxBytes: number,
  checkHeader: (columns: string[]) => void,
): AsyncGenerator<RawRow> {
  const splitter = new CsvSplitter();
  const decoder = new TextDecoder('utf-8');
  let header: string[] | undefined;
  let row = 0;
  const records: string[][] = [];
  function* drain(): Generator<RawRow> {
    for (const record of records) {
      if (!header) {
        header = record.map((h) => h.trim());
        if (header.some((h) => h === '')) throw badRequest('csv_malformed', 'The CSV header has an empty column name.');
        if (new Set(header).size !== header.length)
          throw badRequest('csv_malformed', 'The CSV header names a column twice.');
        checkHeader(header);
        continue;
      }
      row += 1;
      if (record.length !== header.length) {
        yield {
          row,
          malformed: {
            en: `the row has ${record.length} cells, the header has ${header.length}`,
            'zh-CN': `该行有${record.length}个单元格，表头有${header.length}列`,
          },
        };
        continue;
      }
      const values: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) {
        const v = record[i]!;
        if (v !== '') values[header[i]!] = v;
      }
      yield { row, values };
    }
    records.length = 0;
  }
  for await (const chunk of limited(source, maxBytes)) {
    splitter.push(decoder.decode(chunk, { stream: true }), records);
    yield* drain();
  }
  splitter.push(decoder.decode(), records);
  splitter.end(records);
  yield* drain();
  if (!header) throw badRequest('csv_malformed', 'The CSV is empty: a header line is required.');
}

/** Rows already parsed (a JSON request body, or records built in-process). */
export async function* objectRows(records: Iterable<unknown> | AsyncIterable<unknown>): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const v of records) {
    row += 1;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      yield { row, malformed: { en: 'the record is not a JSON object', 'zh-CN': '该记录不是JSON对象' } };
    else yield { row, values: v as Record<string, unknown> };
  }
}
