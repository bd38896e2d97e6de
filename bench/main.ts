// `npm run bench`: performance figures as name=value lines, each against a raw baseline measured in the same run.
// On PostgreSQL when DATABASE_URL is set (in a throw-away schema), else on embedded PGlite.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCtx } from '../src/access/context.js';
import type { Platform } from '../src/platform/platform.js';
import { readPage } from '../src/records/read.js';
import { benchVerify } from './verify.js';
import { benchRecompute } from './healthcode.js';
import { benchStatusChecks } from './status.js';
import { benchFederation } from './federation.js';
import { subjectOf } from '../src/records/keys.js';
import { requestShare } from '../src/sharing/service.js';
import { Keyring } from '../src/crypto/keyring.js';
import { openAuditDb, platformOn } from '../src/node/platform.js';
import { systemPrincipal } from '../src/access/principal.js';
import { createDataset } from '../src/catalog/service.js';
import { copyLine } from '../src/db/copy.js';
import { openDatabase } from '../src/db/open.js';
import type { Db } from '../src/db/types.js';
import { insertDepartment } from '../src/departments/service.js';
import { ingest } from '../src/ingest/pipeline.js';
import { generateCitizenId, generateCreditCode } from '../src/standard/index.js';
import { seedBaseline } from '../src/standard/registry.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const COLUMNS = ['citizen_id', 'sample_time', 'result', 'lab_code', 'division_code'] as const;
const DISTRICTS = ['440103', '440104', '440105', '440106', '440111', '440303', '440304', '440305'];
const LABS = ['GZ-KINGMED', 'GZ-DAAN', 'SZ-BGI', 'FS-HOSP01'];

function print(name: string, value: string | number): void {
  console.log(`${name}=${value}`);
}

/** One day of mass testing: synthetic nucleic-acid results, as the rows a lab system would export. */
function syntheticRows(n: number): string[][] {
  const rows: string[][] = new Array(n);
  const day = Date.parse('2022-05-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const birth =
      19400101 +
      (Math.floor(i / 1000) % 80) * 10000 +
      (Math.floor(i / 80_000) % 12) * 100 +
      (Math.floor(i / 960_000) % 28);
    const division = DISTRICTS[i % DISTRICTS.length]!;
    rows[i] = [
      generateCitizenId(division, String(birth), i % 1000),
      new Date(day + (i % 86_400) * 1000).toISOString(),
      i % 997 === 0 ? 'positive' : 'negative',
      LABS[i % LABS.length]!,
      division,
    ];
  }
  return rows;
}

function* csvChunks(rows: string[][], perChunk = 5000): Generator<Buffer> {
  yield Buffer.from(COLUMNS.join(',') + '\n');
  for (let i = 0; i < rows.length; i += perChunk) {
    let s = '';
    for (let k = i; k < Math.min(rows.length, i + perChunk); k++) s += rows[k]!.join(',') + '\n';
    yield Buffer.from(s);
  }
}

async function rawCopy(db: Db, rows: string[][]): Promise<number> {
  await db.exec(
    'DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (citizen_id text, sample_time text, result text, lab_code text, division_code text)',
  );
  const t0 = process.hrtime.bigint();
  const writer = await db.openCopy('bench_copy', COLUMNS);
  // The same piece size as ingest sends (about 4 MiB), so the baseline is not handicapped.
  for (let i = 0; i < rows.length; i += 40_000) {
    let lines = '';
    for (let k = i; k < Math.min(rows.length, i + 40_000); k++) lines += copyLine(rows[k]!);
    await writer.write(lines);
  }
  await writer.end();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_copy')).rows[0]!.n;
  if (n !== rows.length) throw new Error(`raw COPY stored ${n} rows, expected ${rows.length}`);
  await db.exec('DROP TABLE bench_copy');
  return rows.length / seconds;
}

async function benchIngest(platform: Platform, rows: string[][]): Promise<{ rate: number; datasetId: string }> {
  const db = platform.db;
  const ctx = makeCtx(platform, systemPrincipal('bench'));
  const dept = `bench-${randomBytes(3).toString('hex')}`;
  await insertDepartment(db, {
    id: dept,
    name: { 'zh-CN': '基准测试', en: 'Bench' },
    creditCode: generateCreditCode(`11440000${String(Date.now()).slice(-9)}`),
    level: 'provincial',
    region: '440000',
  });
  const ds = await createDataset(ctx, {
    id: `${dept}-nat`,
    owner: dept,
    title: { 'zh-CN': '核酸', en: 'NAT' },
    description: { 'zh-CN': '基准', en: 'bench' },
    fields: [
      { name: 'citizen_id', element: 'citizen_id', required: true },
      { name: 'sample_time', element: 'nat_sample_time', required: true },
      { name: 'result', element: 'nat_result', required: true },
      { name: 'lab_code', element: 'lab_code', required: true },
      { name: 'division_code', element: 'division_code' },
    ],
    key: ['citizen_id', 'sample_time'],
    updateFrequency: 'realtime',
    coverage: { region: '440000' },
    sharingClass: 'unconditional',
  });
  const t0 = process.hrtime.bigint();
  const receipt = await ingest(ctx, ds.id, { format: 'csv', stream: csvChunks(rows) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (receipt.inserted !== rows.length)
    throw new Error(
      `ingest stored ${receipt.inserted} of ${rows.length} rows: ${JSON.stringify(receipt.rejected.slice(0, 3))}`,
    );
  return { rate: rows.length / seconds, datasetId: ds.id };
}

/** Audit entries appended, hashed into the tree and durable at commit, through the real ledger (group commit). */
async function benchAudit(platform: Platform, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < n; done += 10_000) {
    const wave = Math.min(10_000, n - done);
    await Promise.all(
      Array.from({ length: wave }, (_, i) =>
        platform.audit.append({
          action: 'records.read',
          outcome: 'ok',
          actor: { kind: 'department', department: 'bench', token: 'tok_bench' },
          dataset: 'bench',
          subjects: [`s${done + i}`.padEnd(32, 'x')],
          fields: ['citizen_id', 'result'],
          purpose: 'contact_tracing',
          detail: { rows: 1 },
        }),
      ),
    );
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Runs `total` calls of `fn` with `concurrency` in flight; returns calls per second. */
async function concurrently(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * Subject lookups by another department through the whole access path (grant, purpose, scope, decryption,
 * masking, audit) against the same lookups straight from the table, same database, same run.
 */
async function benchMaskedReads(
  platform: Platform,
  rows: string[][],
  datasetId: string,
  n: number,
): Promise<{ masked: number; raw: number }> {
  const consumer = `bench-c-${randomBytes(3).toString('hex')}`;
  await insertDepartment(platform.db, {
    id: consumer,
    name: { 'zh-CN': '基准消费方', en: 'Bench consumer' },
    creditCode: generateCreditCode(`11440000${String(Date.now() + 1).slice(-9)}`),
    level: 'provincial',
    region: '440000',
  });
  const ctx = makeCtx(platform, { kind: 'department', departmentId: consumer, role: 'department', tokenId: 'bench' });
  await requestShare(ctx, {
    dataset: datasetId,
    fields: ['citizen_id', 'sample_time', 'result', 'lab_code'],
    clearFields: ['citizen_id', 'result'], // a lookup by person needs the identifier in clear
    purposes: ['contact_tracing'],
    purposeText: 'benchmark reads',
    legalBasis: 'benchmark',
    periodEnd: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const ids = Array.from({ length: n }, (_, i) => rows[(i * 7919) % rows.length]![0]!);
  const subjects = ids.map((id) => subjectOf(platform.ring, id));
  const concurrency = platform.db.engine === 'postgres' ? 32 : 8; // as many requests in flight as a busy API process has
  const raw = await concurrently(n, concurrency, (i) =>
    platform.db.query(
      'SELECT record_key, version, subject, data, valid_from, valid_to FROM records WHERE dataset_id = $1 AND subject = $2 AND valid_to IS NULL ORDER BY record_key, version LIMIT 10',
      [datasetId, subjects[i]],
    ),
  );
  const masked = await concurrently(n, concurrency, async (i) => {
    const page = await readPage(ctx, datasetId, { subject: ids[i], purpose: 'contact_tracing', limit: 10 });
    if (page.items.length === 0) throw new Error('masked read found nothing');
  });
  return { masked, raw };
}

/** The health-code figures, on a database of their own holding a demo province. */
async function benchHealth(url: string | undefined): Promise<void> {
  const persons = Number(process.env.BENCH_PERSONS ?? 1_000_000);
  const schema = url ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'govshare-bench-health-'));
  const db = await openDatabase({ databaseUrl: url, schema, dataDir: url ? undefined : join(dir, 'db') });
  try {
    await seedBaseline(db);
    const platform = platformOn(db, { ring: Keyring.generate(), auditDb: await openAuditDb(db, url) });
    const r = await benchRecompute(platform, persons, dir);
    print('persons', r.persons);
    print('demo_build_s', r.demoSeconds.toFixed(0));
    print(
      'colours',
      `green:${r.colours['green'] ?? 0},yellow:${r.colours['yellow'] ?? 0},red:${r.colours['red'] ?? 0}`,
    );
    print('recompute_persons_per_s', Math.round(r.recompute));
    print('raw_scan_persons_per_s', Math.round(r.rawScan));
    print('recompute_vs_scan', (r.recompute / r.rawScan).toFixed(3));
    const s = await benchStatusChecks(platform, r.demo);
    print('hello_rps', Math.round(s.hello));
    print('status_check_rps', Math.round(s.checks));
    print('status_vs_hello', (s.checks / s.hello).toFixed(3));
    await platform.close();
  } finally {
    if (schema) await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The federation figures, between real node processes (a hub and two regions) on loopback. */
async function printFederation(): Promise<void> {
  const f = await benchFederation();
  print('federation_events', f.events);
  print('federation_events_per_s', Math.round(f.perSecond));
  print('federation_latency_source', f.latencySource);
  print('federation_latency_samples', f.latencySamples);
  print('federation_p50_ms', Math.round(f.p50Ms));
  print('federation_p99_ms', Math.round(f.p99Ms));
  print('raw_post_bytes', f.messageBytes);
  print('raw_post_per_s', Math.round(f.rawPerSecond));
  print('federation_vs_raw', (f.perSecond / f.rawPerSecond).toFixed(3));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (process.env.BENCH_ONLY === 'health') return benchHealth(url);
  if (process.env.BENCH_ONLY === 'federation') return printFederation();
  const schema = url ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  // PGlite runs as `govshare start` runs it: with its data directory on disk (an in-memory file system grows slowly).
  const dataDir = url ? undefined : mkdtempSync(join(tmpdir(), 'govshare-bench-'));
  const db = await openDatabase({ databaseUrl: url, schema, dataDir });
  try {
    await seedBaseline(db);
    print('engine', db.engine);
    print('rows', ROWS);
    const rows = syntheticRows(ROWS);
    const copy = await rawCopy(db, rows);
    const platform = platformOn(db, { ring: Keyring.generate(), auditDb: await openAuditDb(db, url) });
    const ing = await benchIngest(platform, rows);
    print('ingest_rows_per_s', Math.round(ing.rate));
    print('copy_rows_per_s', Math.round(copy));
    print('ingest_vs_copy', (ing.rate / copy).toFixed(3));
    print('audit_append_per_s', Math.round(await benchAudit(platform, Number(process.env.BENCH_AUDIT ?? 100_000))));
    const reads = await benchMaskedReads(platform, rows, ing.datasetId, Number(process.env.BENCH_READS ?? 20_000));
    print('masked_reads_per_s', Math.round(reads.masked));
    print('raw_reads_per_s', Math.round(reads.raw));
    print('masked_vs_raw', (reads.masked / reads.raw).toFixed(3));
    const v = benchVerify();
    print('verify_per_s', Math.round(v.verify));
    print('raw_verify_per_s', Math.round(v.raw));
    print('verify_vs_raw', (v.verify / v.raw).toFixed(3));
    await platform.close();
    await benchHealth(url);
  } finally {
    if (schema) await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  await printFederation();
}

await main();
