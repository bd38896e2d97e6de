import { createHash } from 'node:crypto';
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
import { joinKey, subjectOf } from '../records/keys.js';
import type { CopyWriter, Db } from '../db/types.js';
import { compileValidator, type Validator } from '../standard/index.js';
import { loadElementMap } from '../standard/registry.js';
import { compileMapping, type MapIssue } from './mapping.js';
import { csvRows, ndjsonRows, objectRows, type RawRow } from './parse.js';
import { mergeBatch, STAGE_COLUMNS, stageTableSql } from './merge.js';
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
        : keyIdx[k] === subjectIdx && subject !== null && f.element === 'citizen_id'
          ? subject
          : blindIndex(ring, v, f.element);
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
      validate: compileValidator(el),
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
  await ctx.db.query(
    `INSERT INTO ingest_batches (id, dataset_id, department_id, format, profile, atomic, status) VALUES ($1, $2, $3, $4, $5, $6, 'running')`,
    [batchId, ds.id, department, source.format, profile?.name ?? null, atomic],
  );

  const rejects: StoredReject[] = [];
  let rejectedRows = 0;
  let total = 0;
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
  } catch (err) {
    await writer?.abort();
    // A database error is ours (500); anything else went wrong with the upload itself.
    const fromDb =
      typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
    const problem =
      err instanceof Problem
        ? err
        : badRequest('ingest_failed', `The batch could not be read: ${(err as Error).message}`);
    await failBatch(ctx.db, batchId, stage, problem).catch(() => undefined);
    await audit(ctx, {
      action: 'records.write',
      outcome: 'failed',
      dataset: ds.id,
      reason: problem.code,
      detail: { batch: batchId, rows: total },
    });
    throw fromDb ? err : problem;
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
      await failBatch(
        ctx.db,
        batchId,
        stage,
        new Problem({
          status: 500,
          code: 'merge_failed',
          title: 'Internal error',
          detail: 'The batch could not be stored.',
        }),
      ).catch(() => undefined);
      throw err;
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

async function storeRejects(
  tx: { query: Ctx['db']['query'] },
  batchId: string,
  rejects: StoredReject[],
): Promise<void> {
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

/** The batch's own staging table (a safe identifier derived from the batch id). */
const stageTableOf = (batchId: string): string =>
  `ingest_stage_${createHash('sha256').update(batchId).digest('hex').slice(0, 24)}`;

/** Batches left 'running' by a process that died: drop their staging tables and mark them failed. */
export async function cleanupStaleBatches(db: Db, olderThanHours = 24): Promise<number> {
  const stale = await db.query<{ id: string }>(
    `SELECT id FROM ingest_batches WHERE status = 'running' AND started_at < now() - make_interval(hours => $1)`,
    [olderThanHours],
  );
  for (const { id } of stale.rows) {
    await failBatch(
      db,
      id,
      stageTableOf(id),
      badRequest('batch_abandoned', 'The process running this batch stopped before it finished.'),
    );
  }
  return stale.rows.length;
}

async function failBatch(db: Db, batchId: string, stage: string, problem: Problem): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
    await tx.query(`UPDATE ingest_batches SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [
      batchId,
      JSON.stringify({ code: problem.code, detail: problem.detail ?? problem.title }),
    ]);
  });
}

export interface BatchInfo {
  id: string;
  dataset: string;
  department: string;
  format: string;
  profile: string | null;
  atomic: boolean;
  status: string;
  rowsTotal: number;
  rowsRejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  error: unknown;
  startedAt: string;
  finishedAt: string | null;
}

export async function getBatch(ctx: Ctx, batchId: string): Promise<BatchInfo> {
  const res = await ctx.db.query<Record<string, unknown>>('SELECT * FROM ingest_batches WHERE id = $1', [batchId]);
  const r = res.rows[0];
  if (!r)
    throw new Problem({
      status: 404,
      code: 'batch_not_found',
      title: 'Not found',
      detail: `No ingest batch with id ${batchId}.`,
    });
  const ds = await requireDataset(ctx.db, String(r.dataset_id));
  requireDataWriter(ctx, ds.owner);
  return {
    id: String(r.id),
    dataset: String(r.dataset_id),
    department: String(r.department_id),
    format: String(r.format),
    profile: (r.profile as string | null) ?? null,
    atomic: Boolean(r.atomic),
    status: String(r.status),
    rowsTotal: Number(r.rows_total),
    rowsRejected: Number(r.rows_rejected),
    inserted: Number(r.rows_inserted),
    updated: Number(r.rows_updated),
    unchanged: Number(r.rows_unchanged),
    error: r.error ?? null,
    startedAt: new Date(r.started_at as string).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at as string).toISOString() : null,
  };
}

export async function getBatchRejects(
  ctx: Ctx,
  batchId: string,
  offset: number,
  limit: number,
): Promise<{ total: number; items: RejectedRow[] }> {
  await getBatch(ctx, batchId);
  const total = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_rejects WHERE batch_id = $1', [
    batchId,
  ]);
  const res = await ctx.db.query<{
    row_no: number;
    field: string | null;
    element: string | null;
    code: string;
    message: StoredReject['message'];
  }>(
    'SELECT row_no, field, element, code, message FROM ingest_rejects WHERE batch_id = $1 ORDER BY seq LIMIT $2 OFFSET $3',
    [batchId, limit, offset],
  );
  return {
    total: total.rows[0]?.n ?? 0,
    items: res.rows.map((r) => ({
      row: r.row_no,
      field: r.field,
      element: r.element,
      code: r.code,
      message: r.message[ctx.lang],
    })),
  };
}
