// `npm run lint` keeps the door shut: ESLint (the repository's own config and its local rules in eslint-rules/)
// rejects SQL on `records` outside src/records/ and writes to the ledger tables outside src/audit/. Run on real
// temporary files in the tree, removed afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ESLint } from 'eslint';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const tag = `door-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: string[] = [];

/** Lints `source` as a new file at `rel` (relative to the repository) and returns the messages of our rules. */
async function lintAs(rel: string, source: string): Promise<{ ruleId: string | null; message: string }[]> {
  const file = join(REPO, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, source);
  made.push(file);
  const [result] = await new ESLint({ cwd: REPO }).lintFiles([file]);
  return result!.messages
    .filter((m) => m.ruleId?.startsWith('govshare/') || m.ruleId === 'no-restricted-imports' || m.fatal)
    .map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

const QUERY = `import type { Queryable } from '../../db/types.js';

export const subjects = (q: Queryable, ds: string) =>
  q.query('SELECT subject, data FROM records WHERE dataset_id = $1 AND valid_to IS NULL', [ds]);
export const page = (q: Queryable, where: string) => q.query(\`SELECT data FROM records r WHERE \${where} LIMIT 10\`);
`;

describe('the records door and the ledger are enforced by lint', { timeout: 120_000 }, () => {
  after(() => {
    for (const f of made) rmSync(f, { force: true });
    rmSync(join(REPO, 'src', tag), { recursive: true, force: true });
  });

  test('SQL on records outside src/records/ is an error, in strings and template literals', async () => {
    const messages = await lintAs(`src/${tag}/probe.ts`, QUERY);
    assert.equal(messages.filter((m) => m.ruleId === 'govshare/records-door').length, 2, JSON.stringify(messages));
    assert.match(messages[0]!.message, /outside src\/records\//);
  });

  test('the same text inside src/records/ passes', async () => {
    const messages = await lintAs(`src/records/${tag}.ts`, QUERY);
    assert.deepEqual(messages, []);
  });

  test('writes and other spellings are caught; records_x, a column records.x and prose are not', async () => {
    const bad = [
      `'INSERT INTO records (dataset_id) VALUES ($1)'`,
      `'UPDATE records SET data = $2 WHERE dataset_id = $1'`,
      `'DELETE FROM records WHERE dataset_id = $1'`,
      `'select data from public.records where subject = $1'`,
      `'SELECT 1 FROM x JOIN "records" r ON r.dataset_id = x.id'`,
      `'COPY records FROM STDIN'`,
      `'TRUNCATE TABLE records'`,
      `'SELECT d.id FROM datasets d, records r WHERE r.dataset_id = d.id'`,
      `'TABLE records'`,
      `'SELECT 1 FROM/**/records WHERE a = 1'`,
      "'SELECT 1 FROM -- the door\\n records WHERE a = 1'",
    ];
    const good = [
      `'SELECT 1 FROM records_x WHERE a = $1'`,
      `'SELECT records.subject FROM hc_dirty'`,
      `'Moves rows from the staging table into records.'`,
      `'every read of records goes through the door'`,
      `'DELETE FROM record_archive WHERE a = 1'`,
      `'SELECT a, records_total FROM ingest_batches WHERE id IN ($1, $2)'`,
    ];
    const src = (xs: string[]) => xs.map((x, i) => `export const q${i} = ${x};\n`).join('');
    const caught = await lintAs(`src/${tag}/bad.ts`, src(bad));
    assert.equal(caught.filter((m) => m.ruleId === 'govshare/records-door').length, bad.length, JSON.stringify(caught));
    assert.deepEqual(await lintAs(`src/${tag}/good.ts`, src(good)), []);
  });

  test("the door's store is internal to src/records/", async () => {
    const source = `import { lockDataset } from '../records/store.js';\nexport const lock = lockDataset;\n`;
    const outside = await lintAs(`src/${tag}/store-user.ts`, source);
    assert.equal(outside.filter((m) => m.ruleId === 'no-restricted-imports').length, 1, JSON.stringify(outside));
    assert.deepEqual(await lintAs(`src/records/${tag}-store-user.ts`, source.replace('../records/', './')), []);
  });

  test('tests may read records (they inspect storage on purpose) but not write them', async () => {
    const read = `export const q = 'SELECT count(*) FROM records WHERE dataset_id = $1';\n`;
    assert.deepEqual(await lintAs(`src/${tag}/read.test.ts`, read), []);
    const write = `export const q = 'UPDATE records SET valid_to = now()';\n`;
    const messages = await lintAs(`src/${tag}/write.test.ts`, write);
    assert.equal(messages.filter((m) => m.ruleId === 'govshare/records-door').length, 1, JSON.stringify(messages));
  });

  test('writes to the ledger tables outside src/audit/ are errors; reads are not', async () => {
    const source = [
      `export const a = 'INSERT INTO audit_entries (seq, entry, at) VALUES ($1, $2, now())';`,
      `export const b = 'DELETE FROM audit_nodes WHERE level = 0';`,
      `export const c = 'UPDATE audit_tree_heads SET signature = $1';`,
      `export const d = 'INSERT INTO audit_subjects (subject, seq) VALUES ($1, $2)';`,
      `export const e = 'SELECT entry FROM audit_entries WHERE seq = $1';`,
      '',
    ].join('\n');
    const outside = await lintAs(`src/${tag}/ledger.ts`, source);
    assert.equal(outside.filter((m) => m.ruleId === 'govshare/ledger-writes').length, 4, JSON.stringify(outside));
    assert.deepEqual(await lintAs(`src/audit/${tag}.ts`, source), []);
  });
});
