import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { badRequest, notFound } from '../core/problem.js';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { answerCorrection, correctionsOf, listCorrections, reportError } from '../sharing/corrections.js';
import { PURPOSE_CODES } from '../sharing/purposes.js';
import { readAll, readPage, readRecordHistory, type ReadQuery } from './read.js';

const tags = ['records'];
const RecordVersion = Type.Object(
  {
    handle: Type.Optional(
      Type.String({
        description:
          'Opaque handle of the record, valid for you only: per grant and dataset for a consumer, per dataset for the owner. ' +
          'The same record keeps its handle within your grant; it addresses the record in /records/{handle}, its history and corrections.',
      }),
    ),
    version: Type.Integer(),
    data: Type.Record(Type.String(), Type.Unknown()),
    masked: Type.Array(Type.String(), { description: 'Fields shown masked' }),
    validFrom: Type.String(),
    validTo: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'RecordVersion' },
);
const Correction = Type.Object(
  {
    id: Type.String(),
    dataset: Type.String(),
    handle: Type.String({ description: 'The record’s handle as you see it (the reporter’s grant, or the owner’s)' }),
    grant: Type.String(),
    reporter: Type.String(),
    field: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    status: Type.String(),
    answer: Type.Union([Type.String(), Type.Null()]),
    answeredBy: Type.Union([Type.String(), Type.Null()]),
    answeredAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
  },
  { title: 'Correction' },
);
const Purpose = Type.Optional(
  Type.Union(
    PURPOSE_CODES.map((p) => Type.Literal(p)),
    { description: 'Why you read: required unless you own the dataset; the grant must cover it' },
  ),
);
const Fields = Type.Optional(
  Type.String({ pattern: '^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$', description: 'Comma-separated fields to return' }),
);
const Handle = Type.Object({
  id: Type.String(),
  handle: Type.String({ maxLength: 512, description: 'A record handle you received (never a key or an ID number)' }),
});
const Page = Type.Object(
  {
    items: Type.Array(RecordVersion),
    next: Type.Union([Type.String(), Type.Null()], {
      description: 'Opaque cursor of the next page (give it back as `after`, with the same query), or null',
    }),
  },
  { title: 'RecordPage' },
);
const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]*$' });
const SearchBody = Type.Object(
  {
    purpose: Purpose,
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only records about this person: a citizen ID number' }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'The owner only: one record by its key fields joined with | (an ID number in clear)',
      }),
    ),
    fields: Type.Optional(Type.Array(FieldName, { minItems: 1, maxItems: 200, description: 'Fields to return' })),
    where: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.String({ maxLength: 256 }), {
        description:
          'Equality on fields that are not encrypted; through a grant, only on fields you see in clear (or unmasked)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    after: Type.Optional(Type.String({ maxLength: 4096, description: 'The `next` cursor of the previous page' })),
  },
  { title: 'RecordSearch', additionalProperties: false },
);
const NOT_FOUND = (id: string) =>
  notFound('record_not_found', `Dataset ${id} has no record with this handle that you may see.`);

const fieldsOf = (s: string | undefined) => (s ? s.split(',') : undefined);

export function registerRecordRoutes(app: App): void {
  // Answers a read as a page, or streamed as NDJSON when asked for (every matching record, page by page).
  async function answer(req: FastifyRequest, reply: FastifyReply, datasetId: string, query: ReadQuery) {
    if ((req.headers.accept ?? '').includes('application/x-ndjson')) {
      const rows = readAll(ctxOf(req), datasetId, query);
      const first = await rows.next(); // plan and first page before the status line, so refusals are proper 403s
      async function* lines() {
        if (!first.done) yield JSON.stringify(first.value) + '\n';
        for await (const r of rows) yield JSON.stringify(r) + '\n';
      }
      return reply.type('application/x-ndjson').send(Readable.from(lines()) as never);
    }
    return readPage(ctxOf(req), datasetId, query);
  }

  app.get(
    '/api/v1/datasets/:id/records',
    {
      schema: {
        tags,
        security: bearer,
        params: Type.Object({ id: Type.String() }),
        summary: 'Read records: your own, or another department’s through a live grant (masked, scoped, audited)',
        description:
          'Unfiltered, or filtered by `f.<field>=value` on fields that are not personal information (levels 1-2), ' +
          'so no personal data travels in the URL. Look people up with POST /api/v1/datasets/{id}/records/search ' +
          '(`subject=` here is refused). With `Accept: application/x-ndjson` every matching record is streamed. ' +
          'Records carry an opaque handle, never their key; `next` is an opaque cursor bound to you and this query. ' +
          'Every read is written to the audit ledger; a refusal is a 403 that says why.',
        querystring: Type.Object(
          {
            purpose: Purpose,
            subject: Type.Optional(Type.String({ description: 'Refused: an ID number does not belong in a URL' })),
            fields: Fields,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            after: Type.Optional(
              Type.String({ maxLength: 4096, description: 'The `next` cursor of the previous page' }),
            ),
          },
          {
            additionalProperties: false,
            patternProperties: { '^f\\.[a-z][a-z0-9_]*$': Type.String({ maxLength: 256 }) },
          },
        ),
        response: { 200: Page, ...errors },
      },
    },
    async (req, reply) => {
      if (req.query.subject !== undefined)
        throw badRequest(
          'subject_in_query',
          `An ID number does not belong in a URL: look records up by subject with POST /api/v1/datasets/${req.params.id}/records/search and { "subject": "..." } in the body.`,
        );
      const q = req.query as Record<string, string | number | undefined>;
      const where = Object.fromEntries(
        Object.entries(q)
          .filter(([k]) => k.startsWith('f.'))
          .map(([k, v]) => [k.slice(2), String(v)]),
      );
      return answer(req, reply, req.params.id, {
        purpose: req.query.purpose,
        fields: fieldsOf(req.query.fields),
        where,
        inUrl: true,
        limit: req.query.limit ?? 100,
        after: req.query.after,
      });
    },
  );
  app.post(
    '/api/v1/datasets/:id/records/search',
    {
      schema: {
        tags,
        security: bearer,
        params: Type.Object({ id: Type.String() }),
        summary: 'Search records by subject (a citizen ID number), by filters, or (the owner) by key: all in the body',
        description:
          'The query travels in the body, so no ID number or other personal data is in the URL. Same answer as ' +
          'GET /api/v1/datasets/{id}/records: a page with an opaque `next` cursor, or, with ' +
          '`Accept: application/x-ndjson`, every matching record streamed. Masked, scoped and audited like every read.',
        body: SearchBody,
        response: { 200: Page, ...errors },
      },
    },
    async (req, reply) =>
      answer(req, reply, req.params.id, {
        purpose: req.body.purpose,
        subject: req.body.subject,
        key: req.body.key,
        fields: req.body.fields,
        where: req.body.where,
        limit: req.body.limit ?? 100,
        after: req.body.after,
      }),
  );
  app.get(
    '/api/v1/datasets/:id/records/:handle',
    {
      schema: {
        tags,
        security: bearer,
        params: Handle,
        summary: 'The current version of a record, by the handle you received',
        description: 'A handle of another grant, another dataset or another department finds nothing (404).',
        querystring: Type.Object({ purpose: Purpose, fields: Fields }, { additionalProperties: false }),
        response: { 200: RecordVersion, ...errors },
      },
    },
    async (req) => {
      const page = await readPage(ctxOf(req), req.params.id, {
        handle: req.params.handle,
        purpose: req.query.purpose,
        fields: fieldsOf(req.query.fields),
        limit: 1,
      });
      if (!page.items[0]) throw NOT_FOUND(req.params.id);
      return page.items[0];
    },
  );
  app.get(
    '/api/v1/datasets/:id/records/:handle/history',
    {
      schema: {
        tags,
        security: bearer,
        params: Handle,
        summary: 'Every version of a record, and the error reports about it, by the handle you received',
        querystring: Type.Object({ purpose: Purpose }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(RecordVersion), corrections: Type.Array(Correction) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const h = await readRecordHistory(ctx, req.params.id, req.params.handle, req.query.purpose);
      if (!h) throw NOT_FOUND(req.params.id);
      return { items: h.items, corrections: await correctionsOf(ctx, req.params.id, h.storedKey, h.handle) };
    },
  );
  app.post(
    '/api/v1/datasets/:id/records/:handle/corrections',
    {
      schema: {
        tags: ['sharing'],
        security: bearer,
        params: Handle,
        summary: 'Report a suspected error in a shared record to its owner, by the handle you received',
        body: Type.Object(
          {
            field: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 64 })),
            description: Type.String({ minLength: 4, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Correction, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await reportError(ctxOf(req), req.params.id, req.params.handle, req.body)),
  );
  app.get(
    '/api/v1/corrections',
    {
      schema: {
        tags: ['sharing'],
        security: bearer,
        summary: 'Error reports I made, or about my data',
        querystring: Type.Object(
          {
            role: Type.Optional(Type.Union([Type.Literal('owner'), Type.Literal('reporter')])),
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('fixed'), Type.Literal('rejected')])),
            dataset: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Correction) }), ...errors },
      },
    },
    async (req) => ({ items: await listCorrections(ctxOf(req), req.query) }),
  );
  app.post(
    '/api/v1/corrections/:id/answer',
    {
      schema: {
        tags: ['sharing'],
        security: bearer,
        params: Type.Object({ id: Type.String() }),
        summary: 'Answer an error report (owner): fixed, or rejected with the reason',
        body: Type.Object(
          {
            status: Type.Union([Type.Literal('fixed'), Type.Literal('rejected')]),
            answer: Type.String({ minLength: 2, maxLength: 2000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Correction, ...errors },
      },
    },
    async (req) => answerCorrection(ctxOf(req), req.params.id, req.body),
  );
}
