// System-mode access to records: the reads (and the purge and re-encryption) of named platform jobs, each with its
// declared purpose (records/mode.ts). A job counts what it reads in a SystemRead and audits it once per run or per
// chunk of a long run: one `records.read` entry with mode `system`, the job, its purpose, the datasets and row
// counts, never ID numbers or blind indexes. When a person's data leaves the node, each message is audited as well,
// with that person as the entry's subject (`records.disclosed`), so it shows in the person's access log.
import { audit, makeCtx } from '../access/context.js';
import { systemPrincipal } from '../access/principal.js';
import type { Queryable } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import { purposeOf, type SystemJob } from './mode.js';
import { openRecord, resealRecord } from './sealed.js';
import { ENTRIES_PER_SUBJECT, FED_COLUMNS, lockDataset, ROW_COLUMNS } from './store.js';

/** A current record as the health-code rules read it (level-4 values still sealed). */
export interface CurrentRow {
  dataset_id: string;
  record_key: string;
  subject: string;
  data: Record<string, unknown>;
}

/** A person's data sent to another node: audited with the person as subject. */
export interface Disclosure {
  /** The person's blind index (records/keys.ts subjectOf). */
  subject: string;
  dataset: string;
  /** The dataset's fields whose values were sent. */
  fields: string[];
  /** The recipient (a region code). */
  to: string;
  /** What was sent (e.g. the message type) and its id. */
  type: string;
  message: string;
}

/** One run (or one chunk of a long run) of a system job: what it read, audited together. */
export class SystemRead {
  private readonly rows = new Map<string, number>();
  private people = 0;
  private readonly disclosures: Disclosure[] = [];

  constructor(
    readonly platform: Platform,
    readonly job: SystemJob,
    /** The job run's id, when it has one (a full recompute's job id). */
    readonly run?: string,
  ) {}

  get purpose(): string {
    return purposeOf(this.job);
  }

  /** Counts `rows` rows read from `dataset`, concerning `people` people. */
  note(dataset: string, rows: number, people = 0): void {
    if (rows <= 0) return;
    this.rows.set(dataset, (this.rows.get(dataset) ?? 0) + rows);
    this.people += people;
  }

  /** Counts rows read, per dataset, and the distinct people among them. */
  noteRows(rows: readonly { dataset_id: string; subject?: string | null }[]): void {
    const per = new Map<string, { n: number; people: Set<string> }>();
    for (const r of rows) {
      const d = per.get(r.dataset_id) ?? { n: 0, people: new Set<string>() };
      d.n++;
      if (r.subject) d.people.add(r.subject);
      per.set(r.dataset_id, d);
    }
    for (const [dataset, d] of per) this.note(dataset, d.n, d.people.size);
  }

  /** Records that a person's data was sent to another node (audited with the run). */
  disclose(d: Disclosure): void {
    this.disclosures.push(d);
  }

  /** Rows counted since the last audit. */
  get total(): number {
    let n = 0;
    for (const v of this.rows.values()) n += v;
    return n;
  }

  /**
   * Appends the run's `records.read` entry (when anything was read) and one `records.disclosed` entry per
   * disclosure, then starts counting afresh (the next chunk). Resolves once every entry is durable.
   */
  async audit(extra: Record<string, unknown> = {}): Promise<void> {
    const ctx = makeCtx(this.platform, systemPrincipal(this.job));
    const writes: Promise<number>[] = [];
    if (this.rows.size > 0) {
      const datasets = Object.fromEntries([...this.rows].sort(([a], [b]) => (a < b ? -1 : 1)));
      const ids = Object.keys(datasets);
      writes.push(
        audit(ctx, {
          action: 'records.read',
          outcome: 'ok',
          ...(ids.length === 1 ? { dataset: ids[0]! } : {}),
          purpose: this.purpose,
          detail: {
            mode: 'system',
            job: this.job,
            ...(this.run ? { run: this.run } : {}),
            datasets,
            rows: this.total,
            people: this.people,
            ...extra,
          },
        }),
      );
    }
    for (const d of this.disclosures)
      writes.push(
        audit(ctx, {
          action: 'records.disclosed',
          outcome: 'ok',
          dataset: d.dataset,
          subjects: [d.subject],
          fields: d.fields,
          purpose: this.purpose,
          detail: { mode: 'system', job: this.job, to: d.to, type: d.type, message: d.message },
        }),
      );
    this.rows.clear();
    this.people = 0;
    this.disclosures.length = 0;
    await Promise.all(writes);
  }
}

// ---- health-code recompute ----------------------------------------------------------------------------------

/** The current rows of these people in these datasets, and the facts other regions sent about them (fed_facts). */
export async function currentRowsOfSubjects(
  run: SystemRead,
  subjects: readonly string[],
  datasets: readonly string[],
): Promise<CurrentRow[]> {
  if (subjects.length === 0 || datasets.length === 0) return [];
  const res = await run.platform.db.query<CurrentRow>(
    `SELECT ${ROW_COLUMNS} FROM records WHERE valid_to IS NULL AND subject = ANY($1::text[]) AND dataset_id = ANY($2::text[])
     UNION ALL SELECT ${FED_COLUMNS} FROM fed_facts WHERE subject = ANY($1::text[])`,
    [subjects, datasets],
  );
  run.noteRows(res.rows);
  return res.rows;
}

/** The current rows of the people in (lo, hi] (subject order), and the facts other regions sent about them. */
export async function currentRowsOfRange(
  run: SystemRead,
  q: Queryable,
  lo: string,
  hi: string,
  datasets: readonly string[],
): Promise<CurrentRow[]> {
  if (datasets.length === 0) return [];
  const res = await q.query<CurrentRow>(
    `SELECT ${ROW_COLUMNS} FROM records WHERE valid_to IS NULL AND subject > $1 AND subject <= $2 AND dataset_id = ANY($3::text[])
     UNION ALL SELECT ${FED_COLUMNS} FROM fed_facts WHERE subject > $1 AND subject <= $2`,
    [lo, hi, datasets],
  );
  run.noteRows(res.rows);
  return res.rows;
}

/**
 * The next `limit` people after `cursor`: people with current records or a stored status, in subject order.
 * Both reads walk an index in order with a LIMIT (no DISTINCT over the rest of the table); every subject up to
 * the last one returned is complete, because the walks are ordered. Only subjects are read (counted by the
 * caller with the chunk's rows).
 */
export async function subjectsAfter(_run: SystemRead, q: Queryable, cursor: string, limit: number): Promise<string[]> {
  // A walk that hit its LIMIT ends part-way: subjects beyond its end are not known complete yet, so the chunk
  // stops at the nearer end. All ordering and comparison stay in the database (its collation decides).
  const res = await q.query<{ subject: string }>(
    `WITH r AS MATERIALIZED (SELECT subject FROM records WHERE valid_to IS NULL AND subject IS NOT NULL AND subject > $1 ORDER BY subject LIMIT $3),
          h AS MATERIALIZED (SELECT subject FROM health_status WHERE subject > $1 ORDER BY subject LIMIT $2),
          b AS (SELECT CASE WHEN (SELECT count(*) FROM r) = $3 THEN (SELECT max(subject) FROM r) END AS rb,
                       CASE WHEN (SELECT count(*) FROM h) = $2 THEN (SELECT max(subject) FROM h) END AS hb)
     SELECT DISTINCT u.subject FROM (SELECT subject FROM r UNION ALL SELECT subject FROM h) u, b
      WHERE (b.rb IS NULL OR u.subject <= b.rb) AND (b.hb IS NULL OR u.subject <= b.hb)
      ORDER BY u.subject LIMIT $2`,
    [cursor, limit, limit * ENTRIES_PER_SUBJECT],
  );
  return res.rows.map((r) => r.subject);
}

/** The people whose records these ingest batches wrote. */
export async function subjectsOfBatches(run: SystemRead, batchIds: readonly string[]): Promise<string[]> {
  if (batchIds.length === 0) return [];
  const res = await run.platform.db.query<{ dataset_id: string; subject: string }>(
    'SELECT DISTINCT dataset_id, subject FROM records WHERE batch_id = ANY($1::text[]) AND subject IS NOT NULL',
    [[...batchIds]],
  );
  run.noteRows(res.rows);
  return [...new Set(res.rows.map((r) => r.subject))];
}

/** The people with a current record of `dataset` whose `field` (a level 1-3 field, stored in clear) is one of `values`. */
export async function subjectsWithValues(
  run: SystemRead,
  dataset: string,
  field: string,
  values: readonly string[],
): Promise<string[]> {
  if (values.length === 0) return [];
  const res = await run.platform.db.query<{ subject: string }>(
    `SELECT DISTINCT subject FROM records WHERE dataset_id = $1 AND valid_to IS NULL AND subject IS NOT NULL AND data->>$2 = ANY($3::text[])`,
    [dataset, field, [...values]],
  );
  run.note(dataset, res.rows.length, res.rows.length);
  return res.rows.map((r) => r.subject);
}

// ---- federation events --------------------------------------------------------------------------------------

/**
 * The next `limit` current records an ingest batch wrote, after record key `after`, in key order, opened (level-4
 * values decrypted). In the caller's transaction.
 */
export async function openRecordsOfBatch(
  run: SystemRead,
  tx: Queryable,
  batchId: string,
  datasetId: string,
  after: string,
  limit: number,
): Promise<{ key: string; data: Record<string, unknown> }[]> {
  const rows = (
    await tx.query<{ record_key: string; data: Record<string, unknown> }>(
      'SELECT record_key, data FROM records WHERE batch_id = $1 AND valid_to IS NULL AND record_key > $2 ORDER BY record_key LIMIT $3',
      [batchId, after, limit],
    )
  ).rows;
  run.note(datasetId, rows.length);
  return rows.map((r) => ({ key: r.record_key, data: openRecord(run.platform.ring, datasetId, r.data) }));
}

// ---- retention --------------------------------------------------------------------------------------------------

/** Literal SQL text for a JSON key (field names are ^[a-z][a-z0-9_]*$, but quote anyway). */
const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Deletes one dataset's record versions dated before `cutoff` by the latest of their `timeFields` (level-3 values,
 * stored in clear), in one transaction under the dataset's lock (no merge interleaves); when a current version
 * goes, its older versions go with it. Queues the people concerned for recompute (`hc_dirty`, cause 'retention')
 * and keeps `datasets.record_count` exact. Returns how many rows went.
 */
export async function purgeVersionsBefore(
  run: SystemRead,
  dataset: string,
  timeFields: readonly string[],
  cutoff: Date,
): Promise<number> {
  const times = timeFields.map((f) => `(data->>${sqlText(f)})::timestamptz`);
  const recordTime = times.length === 1 ? times[0]! : `GREATEST(${times.join(', ')})`;
  const deleted = await run.platform.db.transaction(async (tx) => {
    await lockDataset(tx, dataset);
    const res = await tx.query<{ deleted: number; current_deleted: number }>(
      `WITH expired AS (
         SELECT record_key, version, valid_to IS NULL AS current FROM records
         WHERE dataset_id = $1 AND ${recordTime} < $2::timestamptz
       ), del AS (
         DELETE FROM records r
         WHERE r.dataset_id = $1
           AND (EXISTS (SELECT 1 FROM expired e WHERE e.record_key = r.record_key AND e.version = r.version)
             OR r.record_key IN (SELECT record_key FROM expired WHERE current))
         RETURNING r.subject, r.valid_to IS NULL AS current
       ), dirty AS (
         INSERT INTO hc_dirty (subject, cause)
         SELECT DISTINCT subject, 'retention' FROM del WHERE subject IS NOT NULL
         ON CONFLICT (subject) DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS deleted, (count(*) FILTER (WHERE current))::int AS current_deleted FROM del`,
      [dataset, cutoff.toISOString()],
    );
    const { deleted, current_deleted } = res.rows[0]!;
    if (current_deleted > 0) {
      await tx.query('UPDATE datasets SET record_count = record_count - $2 WHERE id = $1', [dataset, current_deleted]);
    }
    return deleted;
  });
  run.note(dataset, deleted);
  return deleted;
}

// ---- key re-encryption --------------------------------------------------------------------------------------

/**
 * Re-encrypts every record envelope not under the active field key, `batch` rows per statement (small
 * transactions, no downtime). Calls `progress` with the rows done after each batch. Returns the rows re-encrypted.
 */
export async function resealRecords(
  run: SystemRead,
  progress: (rows: number) => void = () => undefined,
  batch = 500,
): Promise<number> {
  const p = run.platform;
  const pattern = `enc:v1:(?!${p.ring.activeId}:)`;
  let after: [string, string, number] = ['', '', 0];
  let done = 0;
  for (;;) {
    const rows = await p.db.query<{
      dataset_id: string;
      record_key: string;
      version: number;
      data: Record<string, unknown>;
    }>(
      `SELECT dataset_id, record_key, version, data FROM records
       WHERE (dataset_id, record_key, version) > ($1, $2, $3) AND data::text ~ $4
       ORDER BY dataset_id, record_key, version LIMIT $5`,
      [...after, pattern, batch],
    );
    if (rows.rows.length === 0) break;
    const ring = p.ring;
    const ids: string[] = [];
    const keys: string[] = [];
    const versions: number[] = [];
    const datas: string[] = [];
    for (const r of rows.rows) {
      const data = resealRecord(ring, r.dataset_id, r.data) ?? r.data;
      ids.push(r.dataset_id);
      keys.push(r.record_key);
      versions.push(r.version);
      datas.push(JSON.stringify(data));
    }
    await p.db.query(
      `UPDATE records r SET data = u.data::jsonb FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS u(dataset_id, record_key, version, data)
       WHERE r.dataset_id = u.dataset_id AND r.record_key = u.record_key AND r.version = u.version`,
      [ids, keys, versions, datas],
    );
    run.noteRows(rows.rows.map((r) => ({ dataset_id: r.dataset_id })));
    done += rows.rows.length;
    progress(rows.rows.length);
    const last = rows.rows[rows.rows.length - 1]!;
    after = [last.dataset_id, last.record_key, last.version];
  }
  return done;
}
