import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCodes, fetchFailure, unreachableMessage } from './api.js';
import { ApiError, formatProblem, isProblem } from './errors.js';
import { formatReject, renderReceipt } from './commands/ingest-output.js';
import type { Receipt, RejectedRow } from './types.js';

test('formatProblem: detail, code and status', () => {
  assert.equal(
    formatProblem({
      type: 'x',
      status: 404,
      code: 'dataset_not_found',
      title: 'Not found',
      detail: 'No dataset with id nope.',
    }),
    'No dataset with id nope. (dataset_not_found, HTTP 404)',
  );
  assert.equal(
    formatProblem({ status: 500, code: 'internal_error', title: 'Internal error' }),
    'Internal error (internal_error, HTTP 500)',
  );
});

test('isProblem tells problem bodies from other JSON', () => {
  assert.equal(isProblem({ status: 400, code: 'bad', title: 'Bad request' }), true);
  assert.equal(isProblem({ status: 'x', code: 'bad', title: 't' }), false);
  assert.equal(isProblem('<html>'), false);
  assert.equal(isProblem(null), false);
});

test('ApiError carries the problem and an optional hint line', () => {
  const p = { status: 401, code: 'unauthorized', title: 'Authentication required', detail: 'A token is required.' };
  assert.equal(new ApiError(p).message, 'A token is required. (unauthorized, HTTP 401)');
  assert.equal(
    new ApiError(p, 'pass --token').message,
    'A token is required. (unauthorized, HTTP 401)\ngovshare: pass --token',
  );
  assert.equal(new ApiError(p).exitCode, 1);
});

test('a refused connection is found however fetch wraps it', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED ::1:8080'), { code: 'ECONNREFUSED' });
  const nested = new TypeError('fetch failed', { cause: new AggregateError([refused, new Error('x')]) });
  assert.ok(errorCodes(nested).includes('ECONNREFUSED'));
  assert.equal(
    fetchFailure(nested, 'http://localhost:8080', 'GET x').message,
    unreachableMessage('http://localhost:8080'),
  );
  assert.equal(
    unreachableMessage('http://127.0.0.1:8080'),
    'cannot reach govshare at http://127.0.0.1:8080 — is the server running? (govshare start)',
  );
  const other = new TypeError('fetch failed', { cause: new Error('other side closed') });
  assert.equal(
    fetchFailure(other, 'http://h', 'POST http://h/a').message,
    'request to POST http://h/a failed: other side closed',
  );
});

const reject = (row: number, field: string | null = 'sex', element: string | null = 'sex'): RejectedRow => ({
  row,
  field,
  element,
  code: 'value_set',
  message: 'value is not in the value set',
});

const receipt = (over: Partial<Receipt>): Receipt => ({
  batchId: 'bat_1',
  dataset: 'residents',
  format: 'csv',
  profile: null,
  atomic: false,
  status: 'committed',
  rowsTotal: 10,
  rowsAccepted: 10,
  rowsRejected: 0,
  inserted: 7,
  updated: 2,
  unchanged: 1,
  duplicatesInBatch: 0,
  rejected: [],
  rejectedTruncated: false,
  ...over,
});

test('formatReject: row, field (element), code and message', () => {
  assert.equal(
    formatReject(reject(3, 'id_number', 'citizen_id')),
    'row 3  id_number (citizen_id)  value_set: value is not in the value set',
  );
  assert.equal(formatReject(reject(4, 'extra', null)), 'row 4  extra  value_set: value is not in the value set');
  assert.equal(
    formatReject({ row: 5, field: null, element: null, code: 'malformed', message: 'bad\nline' }),
    'row 5  malformed: bad line',
  );
});

test('renderReceipt: one summary line and no reject lines for a clean batch', () => {
  assert.equal(
    renderReceipt(receipt({})),
    'batch bat_1 committed: 10 rows, 10 accepted, 0 rejected (inserted 7, updated 2, unchanged 1, duplicates in batch 0)\n',
  );
});

test('renderReceipt: at most 20 rejected rows (all their problems), then a pointer to the rest', () => {
  const rejected = Array.from({ length: 30 }, (_v, i) => [
    reject(i + 1),
    reject(i + 1, 'birth_date', 'birth_date'),
  ]).flat();
  const out = renderReceipt(receipt({ rowsTotal: 40, rowsAccepted: 10, rowsRejected: 30, rejected }))
    .trimEnd()
    .split('\n');
  assert.equal(out.length, 1 + 40 + 1);
  assert.equal(out[1], 'row 1  sex (sex)  value_set: value is not in the value set');
  assert.match(out[40] ?? '', /^row 20 {2}birth_date/);
  assert.equal(out[41], '... and 10 more (govshare ingest rejects bat_1)');
});

test('renderReceipt: the pointer counts rows the receipt did not list (truncated)', () => {
  const rejected = Array.from({ length: 1000 }, (_v, i) => reject(i + 1));
  const out = renderReceipt(receipt({ rowsRejected: 5000, rejected, rejectedTruncated: true }));
  assert.match(out, /\.\.\. and 4980 more \(govshare ingest rejects bat_1\)\n$/);
});
