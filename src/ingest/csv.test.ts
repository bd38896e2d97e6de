import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvSplitter } from './csv.js';
import { Problem } from '../core/problem.js';

/** Splits text fed in pieces of every size from 1 up, so chunk boundaries fall everywhere. */
function splitAll(text: string): string[][][] {
  const results: string[][][] = [];
  for (const size of [1, 2, 3, 5, 7, 64, text.length || 1]) {
    const s = new CsvSplitter();
    const out: string[][] = [];
    for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size), out);
    s.end(out);
    results.push(out);
  }
  return results;
}

function same(text: string, expected: string[][]): void {
  for (const r of splitAll(text)) assert.deepEqual(r, expected);
}

test('plain lines, CRLF, a missing final newline, empty lines and a BOM', () => {
  same('\uFEFFa,b,c\r\n1,2,3\n\n4,,6', [
    ['a', 'b', 'c'],
    ['1', '2', '3'],
    ['4', '', '6'],
  ]);
});

test('quoted fields with delimiters, newlines and doubled quotes', () => {
  same('a,b\n"x, y","line1\nline2"\n"say ""hi""",""\r\n"",z\n', [
    ['a', 'b'],
    ['x, y', 'line1\nline2'],
    ['say "hi"', ''],
    ['', 'z'],
  ]);
});

test('Chinese text passes through', () => {
  same('身份证号,检测结果\n440106199001011234,阴性\n', [
    ['身份证号', '检测结果'],
    ['440106199001011234', '阴性'],
  ]);
});

test('malformed quoting fails with the line number', () => {
  const fails = (text: string, re: RegExp) => {
    for (const size of [1, 4, text.length]) {
      const s = new CsvSplitter();
      const out: string[][] = [];
      assert.throws(
        () => {
          for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size), out);
          s.end(out);
        },
        (err: unknown) => err instanceof Problem && err.code === 'csv_malformed' && re.test(err.detail ?? ''),
      );
    }
  };
  fails('a,b\n1,2\n"3,4\n5,6\n', /line 3: a quoted field is not closed/);
  fails('a,b\n1,x"y\n', /line 2: a quote inside an unquoted field/);
  fails('a,b\n"1"x,2\n', /line 2: unexpected text after a closing quote/);
  fails('a,b\n"multi\nline",ok\n"broken,\n', /line 4/);
});
