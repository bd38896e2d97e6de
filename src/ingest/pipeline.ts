import { audit, type Ctx } from '../access/context.js';
import { callerDepartment, requireDataWriter } from '../access/policy.js';
import { requireDataset } from '../catalog/service.js';
import type { Dataset } from '../catalog/schema.js';
import { newId } from '../core/ids.js';
import { Problem, badRequest } from '../core/problem.js';
import { copyLine, quoteIdent } from '../db/copy.js';
import { blindIndex, contentHash } from '../crypto/fields.js';
import { SEALED, sealRecord } from '../records/sealed.js';
import type { Keyring } from '../crypto/keyring.js';
import { joinKey, keyDomainOf, subjectOf } from '../records/keys.js';
import type { CopyWriter, Queryable } from '../db/types.js';
import { compileValidator, type Validator } from '../standard/index.js';
import { storableText } from '../standard/chars.js';
import { loadElementMap } from '../standard/registry.js';
import { compileMapping, type MapIssue } from './mapping.js';
import { csvRows, ndjsonRows, objectRows, type RawRow } from './parse.js';
import { mergeBatch, STAGE_COLUMNS, stageTableSql } from './merge.js';
import { failBatch, stageTableOf } from './batches.js';
import { BatchLease, holdLease, LEASE_OWNER, LEASE_SECONDS, leaseLost, stillLeased } from './lease.js';
import { getProfile } from './profiles.js';
import type { Format, Receipt, RejectedRow } from './schema.js';

export type IngestSource =
  | { format: 'csv' | 'ndjson'; stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string> }
  | { format: 'json'; records: Iterable<unknown> | AsyncIterable<unknown> };

export interface IngestOptions {
  profile?: string | undefined;
  atomic?: boolean | undefined;
  maxBytes?: number | undefined;
}

const CHUNK_BYTES = 4 * 1024 * 1024; // staged rows are sent to the database in pieces of about this size
const RECEIPT_REJECTS = 1000; // listed in the receipt; all of them (up to STORED_REJECTS) stay queryable
const STORED_REJECTS = 100_000;

interface StoredReject {
  row: number;
  field: string | null;
  element: string | null;
  code: string;
  message: { 'zh-CN': string; en: string };
}

interface CompiledField {
  name: string;
  element: string;
  required: boolean;
  sensitive: boolean; // level 4: encrypted at rest, blind-indexed in keys
  division: boolean; // a GB/T 2260 division code: the row's region
  validate: Validator;
}

/**
 * Builds the per-row check for a dataset: validate every field, then the stored key (blind indexes for sensitive
 * parts), the subject (blind index of the person's ID number), the region, the keyed content hash of the plaintext,
 * and the stored JSON with level-4 values encrypted.
 */
function compileRowCheck(ds: Dataset, fields: CompiledField[], ring: Keyring) {
  const keyIdx = ds.key.map((k) => fields.findIndex((f) => f.name === k));
  const subjectIdx = ds.subjectField ? fields.findIndex((f) => f.name === ds.subjectField) : -1;
  const divisionIdx = fields.findIndex((f) => f.division);
  const normalized: unknown[] = new Array(fields.length);
  const parts: string[] = new Array(keyIdx.length);
  // Datasets keyed per dataset (records/keys.ts) never reuse the node-wide subject index inside their keys.
  const globalKeys = ds.keyScope === 'global';
  return (
    values: Record<string, unknown>,
    rejects: StoredReject[],
    row: number,
  ): { key: string; subject: string | null; region: string | null; hash: string; json: string } | undefined => {
    let bad = false;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = values[f.name];
      if (v === undefined || v === null || v === '') {
        normalized[i] = undefined;
        if (f.required) {
          bad = true;
          rejects.push({
            row,
            field: f.name,
            element: f.element,
            code: 'required',
            message: { en: 'a value is required', 'zh-CN': '必填字段缺失' },
          });
        }
        continue;
      }
      const r = f.validate(v);
      if (r.ok) normalized[i] = r.value;
      else {
        bad = true;
        rejects.push({ row, field: f.name, element: f.element, code: r.issue.code, message: r.issue.message });
      }
    }
    if (bad) return undefined;
    // Canonical JSON of the plaintext (fields in schema order, absent ones left out) for the content hash;
    // the stored JSON has the same shape with level-4 values encrypted.
    // Level-4 values of a row travel together in one sealed envelope (one AES-GCM operation per row).
    const plain: Record<string, unknown> = {};
    const stored: Record<string, unknown> = {};
    let sealed: Record<string, unknown> | undefined;
    for (let i = 0; i < fields.length; i++) {
      const v = normalized[i] as string | number | boolean | undefined;
      if (v === undefined) continue;
      const f = fields[i]!;
      plain[f.name] = v;
      if (f.sensitive) (sealed ??= {})[f.name] = v;
      else stored[f.name] = v;
    }
    if (sealed) stored[SEALED] = sealRecord(ring, ds.id, sealed);
    const subjectValue = subjectIdx >= 0 ? (normalized[subjectIdx] as string | undefined) : undefined;
    const subject = subjectValue === undefined ? null : subjectOf(ring, subjectValue);
    for (let k = 0; k < keyIdx.length; k++) {
      const f = fields[keyIdx[k]!]!;
      const v = String(normalized[keyIdx[k]!]);
      parts[k] = !f.sensitive
        ? v
        : globalKeys && keyIdx[k] === subjectIdx && subject !== null && f.element === 'citizen_id'
          ? subject
          : blindIndex(ring, v, keyDomainOf(ds, f.element));
    }
    const divisionValue = divisionIdx >= 0 ? (normalized[divisionIdx] as string | undefined) : undefined;
    return {
      key: joinKey(parts),
      subject,
      region:
        divisionValue ?? (subjectValue !== undefined && /^\d{6}/.test(subjectValue) ? subjectValue.slice(0, 6) : null),
      hash: contentHash(ring, JSON.stringify(plain)),
      json: JSON.stringify(stored),
    };
  };
}

/**
 * The one ingest path (HTTP, CLI, demo builder): parse → map → validate → stage → merge. Rows stream through in
 * chunks; nothing touches the dataset's records until the whole batch has been read, then one transaction merges
 * it. A batch that fails half-way (malformed file, dropped connection, too large) leaves the dataset as it was.
 */
export async function ingest(
  ctx: Ctx,
  datasetId: string,
  source: IngestSource,
  opts: IngestOptions = {},
): Promise<Receipt> {
  const ds = await requireDataset(ctx.db, datasetId);
  requireDataWriter(ctx, ds.owner);
  const profile = opts.profile ? await getProfile(ctx.db, ds.id, opts.profile) : undefined;
  const elements = await loadElementMap(ctx.db);
  const fields: CompiledField[] = ds.fields.map((f) => {
    const el = elements.get(f.element);
    if (!el)
      throw new Problem({
        status: 409,
        code: 'element_missing',
        title: 'Conflict',
        detail: `Element ${f.element} of field ${f.name} is no longer defined.`,
      });
    return {
      name: f.name,
      element: f.element,
      required: f.required ?? false,
      sensitive: el.sensitivity >= 4,
      division: el.code === 'division_code',
      // Never a value in a reject: one sent in the wrong column may be personal whatever the element says.
      validate: compileValidator(el, { echo: false }),
    };
  });
  const mapper = compileMapping(
    profile?.spec,
    ds.fields.map((f) => ({ name: f.name, type: elements.get(f.element)!.type })),
  );
  const check = compileRowCheck(ds, fields, ctx.platform.ring);
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const rows: AsyncIterable<RawRow> =
    source.format === 'json'
      ? objectRows(source.records)
      : source.format === 'csv'
        ? csvRows(source.stream, maxBytes, (cols) => mapper.checkColumns(cols))
        : ndjsonRows(source.stream, maxBytes);

  const batchId = newId('bat');
  const stage = stageTableOf(batchId);
  const atomic = opts.atomic ?? false;
  const department = callerDepartment(ctx) ?? ds.owner;
  // Registered with a lease of this process, renewed (with the counts so far) until the batch ends; a batch whose
  // lease lapses is given up by the sweep of any process (lease.ts).
  await ctx.db.query(
    `INSERT INTO ingest_batches (id, dataset_id, department_id, format, profile, atomic, status, lease_owner, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, now() + make_interval(secs => $8))`,
    [batchId, ds.id, department, source.format, profile?.name ?? null, atomic, LEASE_OWNER, LEASE_SECONDS],
  );

  const rejects: StoredReject[] = [];
  let rejectedRows = 0;
  let total = 0;
  const progress = () => ({ total, rejected: rejectedRows });
  const lease = new BatchLease(ctx.db, batchId, progress);
  // A failed batch keeps the counts of what it had read, as its audit entry says.
  const failAndAudit = async (problem: Problem, reason: string): Promise<void> => {
    await failBatch(ctx.db, batchId, problem, progress()).catch(() => undefined);
    await audit(ctx, {
      action: 'records.write',
      outcome: 'failed',
      dataset: ds.id,
      reason,
      detail: { batch: batchId, rows: total, rejected: rejectedRows },
    });
  };
  try {
    return await readAndStore();
  } finally {
    await lease.stop();
  }

  async function readAndStore(): Promise<Receipt> {
    let writer: CopyWriter | undefined;
    try {
      await ctx.db.exec(stageTableSql(stage));
      writer = await ctx.db.openCopy(stage, STAGE_COLUMNS);
      let lines = '';
      const mapIssues: MapIssue[] = [];
      for await (const raw of rows) {
        total = raw.row;
        const before = rejects.length;
        if (raw.values === undefined) {
          rejects.push({
            row: raw.row,
            field: null,
            element: null,
            code: 'malformed',
            message: raw.malformed ?? { en: 'unreadable row', 'zh-CN': '无法解析的行' },
          });
        } else {
          mapIssues.length = 0;
          const values = mapper.map(raw.values, mapIssues);
          for (const m of mapIssues)
            rejects.push({ row: raw.row, field: m.field, element: null, code: m.code, message: m.message });
          const ok = check(values, rejects, raw.row);
          if (ok && mapIssues.length === 0) {
            lines += copyLine([raw.row, ok.key, ok.subject, ok.region, ok.hash, ok.json]);
            if (lines.length >= CHUNK_BYTES) {
              if (lease.lost) throw leaseLost();
              await writer.write(lines);
              lines = '';
            }
          }
        }
        if (rejects.length > before) {
          rejectedRows += 1;
          if (rejects.length > STORED_REJECTS) rejects.length = STORED_REJECTS;
        }
      }
      await writer.write(lines);
      await writer.end();
      writer = undefined;
    } catch (caught) {
      await writer?.abort();
      let err = caught;
      // A database error is ours (500); anything else went wrong with the upload itself.
      let fromDb =
        typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
      // The staging table is gone because a sweep gave the batch up (this process stalled past its lease).
      if (fromDb && !(await stillLeased(ctx.db, batchId).catch(() => true))) {
        err = leaseLost();
        fromDb = false;
      }
      const problem =
        err instanceof Problem
          ? err
          : fromDb
            ? new Problem({
                status: 500,
                code: 'ingest_failed',
                title: 'Internal error',
                detail: 'The batch could not be stored.',
              })
            : badRequest('ingest_failed', `The batch could not be read: ${storableText((err as Error).message, 200)}`);
      await failAndAudit(keptProblem(problem), problem.code);
      throw fromDb ? err : withBatch(problem, batchId);
    }

    const receiptBase = {
      batchId,
      dataset: ds.id,
      format: source.format as Format,
      profile: profile?.name ?? null,
      atomic,
      rowsTotal: total,
    };
    const listed: RejectedRow[] = rejects
      .slice(0, RECEIPT_REJECTS)
      .map((r) => ({ row: r.row, field: r.field, element: r.element, code: r.code, message: r.message[ctx.lang] }));
    const rejectedTruncated = rejects.length > RECEIPT_REJECTS;

    if (atomic && rejectedRows > 0) {
      await ctx.db.transaction(async (tx) => {
        await holdLease(tx, batchId);
        await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
        await storeRejects(tx, batchId, rejects);
        await tx.query(
          `UPDATE ingest_batches SET status = 'rejected', rows_total = $2, rows_rejected = $3, finished_at = now() WHERE id = $1`,
          [batchId, total, rejectedRows],
        );
      });
      await audit(ctx, {
        action: 'records.write',
        outcome: 'failed',
        dataset: ds.id,
        reason: 'batch_rejected',
        detail: { batch: batchId, rows: total, rejected: rejectedRows },
      });
      return {
        ...receiptBase,
        status: 'rejected',
        rowsAccepted: 0,
        rowsRejected: rejectedRows,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        duplicatesInBatch: 0,
        rejected: listed,
        rejectedTruncated,
      };
    }

    const counts = await ctx.db
      .transaction(async (tx) => {
        await holdLease(tx, batchId);
        const c = await mergeBatch(tx, stage, batchId, ds.id);
        await tx.exec(`DROP TABLE ${quoteIdent(stage)}`);
        await storeRejects(tx, batchId, rejects);
        await tx.query(
          `UPDATE ingest_batches SET status = 'committed', rows_total = $2, rows_rejected = $3, rows_inserted = $4, rows_updated = $5,
         rows_unchanged = $6, finished_at = now() WHERE id = $1`,
          [batchId, total, rejectedRows, c.inserted, c.updated, c.unchanged],
        );
        return c;
      })
      .catch(async (err: unknown) => {
        const problem =
          err instanceof Problem
            ? err
            : new Problem({
                status: 500,
                code: 'merge_failed',
                title: 'Internal error',
                detail: 'The batch could not be stored.',
              });
        await failAndAudit(problem, problem.code);
        throw err instanceof Problem ? withBatch(err, batchId) : err;
      });
    await audit(ctx, {
      action: 'records.write',
      outcome: 'ok',
      dataset: ds.id,
      detail: {
        batch: batchId,
        rows: total,
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: rejectedRows,
      },
    });
    return {
      ...receiptBase,
      status: 'committed',
      rowsAccepted: total - rejectedRows,
      rowsRejected: rejectedRows,
      inserted: counts.inserted,
      updated: counts.updated,
      unchanged: counts.unchanged,
      duplicatesInBatch: counts.duplicates,
      rejected: listed,
      rejectedTruncated,
    };
  }
}

/**
 * The problem as the failed batch keeps it: without the unknown column names of a CSV header, which are a row of
 * values (an ID number, a name) when the file came without a header. The uploader still gets them in the answer.
 */
function keptProblem(problem: Problem): Problem {
  if (problem.code !== 'unknown_field') return problem;
  return new Problem({
    status: problem.status,
    code: problem.code,
    title: problem.title,
    detail: 'The header names columns that are neither fields of the dataset nor mapped by the profile.',
  });
}

/** The problem, naming the failed batch (its counts and error are at GET /api/v1/ingest/batches/{id}). */
function withBatch(problem: Problem, batchId: string): Problem {
  return new Problem({
    status: problem.status,
    code: problem.code,
    title: problem.title,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    extra: { ...problem.extra, batchId },
  });
}

async function storeRejects(tx: Queryable, batchId: string, rejects: StoredReject[]): Promise<void> {
  for (let i = 0; i < rejects.length; i += 1000) {
    const slice = rejects.slice(i, i + 1000);
    await tx.query(
      `INSERT INTO ingest_rejects (batch_id, seq, row_no, field, element, code, message)
       SELECT $1, i + $2, r, f, e, c, m::jsonb
       FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS t(r, f, e, c, m, i)`,
      [
        batchId,
        i,
        slice.map((r) => r.row),
        slice.map((r) => r.field),
        slice.map((r) => r.element),
        slice.map((r) => r.code),
        slice.map((r) => JSON.stringify(r.message)),
      ],
    );
  }
}
