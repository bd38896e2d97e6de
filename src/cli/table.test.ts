import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellText, displayWidth, padEnd, padStart, renderPairs, renderTable, StreamingTable } from './table.js';

test('displayWidth counts CJK and fullwidth characters as two cells', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('核酸检测'), 8);
  assert.equal(displayWidth('广东省（医疗机构）'), 18); // fullwidth parentheses
  assert.equal(displayWidth('Ａ１'), 4); // fullwidth Latin
  assert.equal(displayWidth('한국'), 4);
  assert.equal(displayWidth('e\u0301'), 1); // combining accent takes no cell
  assert.equal(displayWidth('𠀀'), 2); // CJK extension B, outside the BMP
  assert.equal(displayWidth(''), 0);
});

test('padEnd and padStart pad to display width', () => {
  assert.equal(padEnd('中文', 6), '中文  ');
  assert.equal(padStart('中文', 6), '  中文');
  assert.equal(padEnd('toolong', 3), 'toolong');
});

test('renderTable aligns columns holding CJK text', () => {
  const out = renderTable(
    ['ID', 'TITLE', 'N'],
    [
      ['residents', '人口基础信息', 200],
      ['x', 'Population', 7],
    ],
  );
  const lines = out.split('\n');
  assert.equal(lines.at(-1), '', 'ends with a newline');
  assert.deepEqual(lines.slice(0, 3), [
    'ID         TITLE         N',
    'residents  人口基础信息  200',
    'x          Population    7',
  ]);
  // the third column starts at the same display column on every line, though the strings differ in length
  const third = ['N', '200', '7'];
  const starts = lines.slice(0, 3).map((l, i) => displayWidth(l.slice(0, l.lastIndexOf(third[i] ?? ''))));
  assert.deepEqual(starts, [25, 25, 25]);
});

test('renderTable right-aligns numeric columns and leaves no trailing spaces', () => {
  const out = renderTable(
    ['ID', 'RECORDS', 'TITLE'],
    [
      ['a', 5, ''],
      ['bb', 12345, '抗原'],
    ],
    { right: [1] },
  );
  assert.equal(out, 'ID  RECORDS  TITLE\na         5\nbb    12345  抗原\n');
  for (const line of out.split('\n')) assert.equal(line, line.trimEnd());
});

test('cells never break lines', () => {
  assert.equal(cellText('a\nb\tc'), 'a b c');
  assert.equal(cellText(null), '');
  assert.equal(cellText(false), 'false');
});

test('renderPairs pads keys and drops empty values', () => {
  assert.equal(
    renderPairs([
      ['id', 'x'],
      ['legal basis', null],
      ['名称', '测试'],
    ]),
    'id:    x\n名称:  测试\n',
  );
});

test('StreamingTable: widths from the first rows, later rows written as they come', () => {
  let out = '';
  const writes: string[] = [];
  const t = new StreamingTable<{ k: string; v: number }>(
    () => ({ headers: ['KEY', 'N'], row: (r) => [r.k, r.v] }),
    (s) => {
      writes.push(s);
      out += s;
    },
    { sample: 2, right: [1] },
  );
  t.add({ k: 'a', v: 1 });
  assert.equal(out, '', 'held until the sample is complete');
  t.add({ k: 'bb', v: 22 });
  t.add({ k: 'toolong', v: 3 });
  t.end();
  assert.equal(out, 'KEY   N\na     1\nbb   22\ntoolong   3\n');
  assert.equal(writes.length, 2);
  assert.equal(t.count, 3);
  const none = new StreamingTable<number>(
    () => ({ headers: ['X'], row: (n) => [n] }),
    () => assert.fail('nothing to write'),
  );
  none.end();
  const few = new StreamingTable<number>(
    () => ({ headers: ['X'], row: (n) => [n] }),
    (s) => (out = s),
  );
  few.add(7);
  few.end();
  assert.equal(out, 'X\n7\n');
});
