import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../core/ids.js';
import { Problem, unprocessable } from '../core/problem.js';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { getBatch, getBatchRejects } from './batches.js';
import { ingest, type IngestSource } from './pipeline.js';
import { deleteProfile, listProfiles, putProfile, readProfile } from './profiles.js';
import { MappingProfile, MappingSpec, Receipt, RejectedRow } from './schema.js';

const tags = ['ingest'];
// Ids in paths and queries are checked by their shape first, so that no string the database cannot hold (a NUL, a
// lone surrogate) or a megabyte of text ever reaches a query: a 400 naming the parameter.
const Id = Type.Object({ id: Type.String({ pattern: SLUG_PATTERN }) });
const BatchId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const PROFILE_NAME = '^[a-z0-9][a-z0-9_-]{0,62}$';
const JsonRows = Type.Union([
  Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'An array of records' }),
  Type.Object({ records: Type.Array(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false }),
]);

export function registerIngestRoutes(app: App, opts: { maxIngestBytes: number }): void {
  app.post(
    '/api/v1/datasets/:id/records',
    {
      bodyLimit: 64 * 1024 * 1024,
      // Rows with unstorable characters are rejected one by one in the receipt (ingest), not as a whole by the edge.
      config: { ownBodyChecks: true },
      schema: {
        tags,
        summary: 'Push records into an own dataset (JSON, NDJSON or CSV; streamed)',
        description:
          'Every row is validated against the data standard. Bad rows are listed in the receipt and never stop good ones, unless atomic=true. ' +
          'Re-sending the same rows adds nothing; a changed row becomes a new version. 422 when atomic=true and a row was rejected, or when no row was accepted.',
        security: bearer,
        params: Id,
        querystring: Type.Object(
          {
            profile: Type.Optional(
              Type.String({
                pattern: PROFILE_NAME,
                description: 'Mapping profile translating local columns and codes',
              }),
            ),
            atomic: Type.Optional(Type.Boolean({ description: 'All or nothing: store no row if any row is rejected' })),
          },
          { additionalProperties: false },
        ),
        body: {
          content: {
            'application/json': { schema: JsonRows },
            'application/x-ndjson': { schema: Type.Any({ description: 'One JSON object per line' }) },
            'text/csv': { schema: Type.Any({ description: 'CSV with a header line (RFC 4180)' }) },
          },
        },
        response: {
          200: Receipt,
          ...errors,
          422: Type.Intersect([Type.Ref('Problem'), Type.Object({ receipt: Receipt })]),
        },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const body = req.body as unknown;
      // No body, or one sent without a content type that says what it is: nothing to read.
      if (body === undefined || body === null || (type !== 'application/json' && typeof body !== 'object'))
        throw new Problem({
          status: 415,
          code: 'unsupported_media_type',
          title: 'Unsupported media type',
          detail: 'Send the records as application/json, application/x-ndjson or text/csv, with that Content-Type.',
        });
      const source: IngestSource =
        type === 'text/csv'
          ? { format: 'csv', stream: body as Readable }
          : type === 'application/json'
            ? { format: 'json', records: Array.isArray(body) ? body : (body as { records: unknown[] }).records }
            : { format: 'ndjson', stream: body as Readable };
      let receipt;
      try {
        receipt = await ingest(ctx, req.params.id, source, {
          profile: req.query.profile,
          atomic: req.query.atomic,
          maxBytes: opts.maxIngestBytes,
        });
      } catch (err) {
        // Let the client finish sending (so it reads our answer) unless the upload is the problem.
        if (source.format !== 'json') {
          if (err instanceof Problem && err.status === 413) void reply.header('connection', 'close');
          else (body as Readable).resume?.();
        }
        throw err;
      }
      if (receipt.status === 'rejected') {
        throw unprocessable(
          'batch_rejected',
          `${receipt.rowsRejected} of ${receipt.rowsTotal} rows were rejected; atomic=true, so nothing was stored.`,
          { receipt },
        );
      }
      if (receipt.rowsAccepted === 0 && receipt.rowsRejected > 0) {
        throw unprocessable(
          'all_rows_rejected',
          `All ${receipt.rowsRejected} rows were rejected; nothing was stored.`,
          { receipt },
        );
      }
      return reply.status(200).send(receipt);
    },
  );

  app.get(
    '/api/v1/ingest/batches/:id',
    {
      schema: {
        tags,
        summary: 'An ingest batch and its counts',
        description:
          'Seen by the department that wrote it. 404 alike for a batch that does not exist and for one the caller may not see. ' +
          'A running batch shows the rows read so far; a failed one (error: its code and detail, e.g. batch_abandoned when the ' +
          'process reading it died) the rows it had read.',
        security: bearer,
        params: BatchId,
        response: {
          200: Type.Object({
            id: Type.String(),
            dataset: Type.String(),
            department: Type.String(),
            format: Type.String(),
            profile: Type.Union([Type.String(), Type.Null()]),
            atomic: Type.Boolean(),
            status: Type.String(),
            rowsTotal: Type.Integer(),
            rowsRejected: Type.Integer(),
            inserted: Type.Integer(),
            updated: Type.Integer(),
            unchanged: Type.Integer(),
            error: Type.Unknown(),
            startedAt: Type.String(),
            finishedAt: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => getBatch(ctxOf(req), req.params.id),
  );
  app.get(
    '/api/v1/ingest/batches/:id/rejects',
    {
      schema: {
        tags,
        summary: 'Every rejected row of a batch',
        security: bearer,
        params: BatchId,
        querystring: Type.Object(
          {
            offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(RejectedRow) }), ...errors },
      },
    },
    async (req) => getBatchRejects(ctxOf(req), req.params.id, req.query.offset ?? 0, req.query.limit ?? 1000),
  );

  const Named = Type.Object({
    id: Type.String({ pattern: SLUG_PATTERN }),
    name: Type.String({ pattern: PROFILE_NAME }),
  });
  app.get(
    '/api/v1/datasets/:id/mappings',
    {
      schema: {
        tags,
        summary: 'Mapping profiles of an own dataset',
        security: bearer,
        params: Id,
        response: { 200: Type.Object({ items: Type.Array(MappingProfile) }), ...errors },
      },
    },
    async (req) => ({ items: await listProfiles(ctxOf(req), req.params.id) }),
  );
  app.put(
    '/api/v1/datasets/:id/mappings/:name',
    {
      schema: {
        tags,
        summary: 'Create or replace a mapping profile',
        security: bearer,
        params: Named,
        body: MappingSpec,
        response: { 200: MappingProfile, ...errors },
      },
    },
    async (req) => putProfile(ctxOf(req), req.params.id, req.params.name, req.body),
  );
  app.get(
    '/api/v1/datasets/:id/mappings/:name',
    {
      schema: {
        tags,
        summary: 'One mapping profile',
        security: bearer,
        params: Named,
        response: { 200: MappingProfile, ...errors },
      },
    },
    async (req) => readProfile(ctxOf(req), req.params.id, req.params.name),
  );
  app.delete(
    '/api/v1/datasets/:id/mappings/:name',
    {
      schema: {
        tags,
        summary: 'Delete a mapping profile',
        security: bearer,
        params: Named,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await deleteProfile(ctxOf(req), req.params.id, req.params.name);
      return reply.status(204).send(null);
    },
  );
}
