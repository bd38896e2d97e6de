import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import { readAll, readPage, type ReadQuery } from '../access/read.js';
import { notFound } from '../core/problem.js';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { answerCorrection, correctionsOf, listCorrections, reportError } from '../sharing/corrections.js';
import { PURPOSE_CODES } from '../sharing/purposes.js';

const tags = ['records'];
const RecordVersion = Type.Object({
  key: Type.String({ description: 'Key fields joined with |; ID numbers appear as their blind index' }),
  version: Type.Integer(),
  data: Type.Record(Type.String(), Type.Unknown()),
  masked: Type.Array(Type.String(), { description: 'Fields shown masked' }),
  validFrom: Type.String(),
  validTo: Type.Union([Type.String(), Type.Null()]),
});
const Correction = Type.Object({
  id: Type.String(),
  dataset: Type.String(),
  recordKey: Type.String(),
  grant: Type.String(),
  reporter: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  status: Type.String(),
  answer: Type.Union([Type.String(), Type.Null()]),
  answeredBy: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
const Purpose = Type.Optional(
  Type.Union(
    PURPOSE_CODES.map((p) => Type.Literal(p)),
    { description: 'Why you read: required unless you own the dataset; the grant must cover it' },
  ),
);
const Fields = Type.Optional(
  Type.String({ pattern: '^[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*$', description: 'Comma-separated fields to return' }),
);
const Key = Type.Object({ id: Type.String(), key: Type.String() });

const fieldsOf = (s: string | undefined) => (s ? s.split(',') : undefined);

export function registerRecordRoutes(app: App): void {
  app.get(
    '/api/v1/datasets/:id/records',
    {
      schema: {
        tags,
        security: bearer,
        params: Type.Object({ id: Type.String() }),
        summary: 'Read records: your own, or another department’s through a live grant (masked, scoped, audited)',
        description:
          'Filter by subject (a citizen ID number) or by `f.<field>=value` on fields that are not encrypted. ' +
          'With `Accept: application/x-ndjson` every matching record is streamed. Every read is written to the audit ledger; a refusal is a 403 that says why.',
        querystring: Type.Object(
          {
            purpose: Purpose,
            subject: Type.Optional(Type.String({ maxLength: 64 })),
            fields: Fields,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            after: Type.Optional(Type.String()),
          },
          {
            additionalProperties: false,
            patternProperties: { '^f\\.[a-z][a-z0-9_]*$': Type.String({ maxLength: 256 }) },
          },
        ),
        response: {
          200: Type.Object({ items: Type.Array(RecordVersion), next: Type.Union([Type.String(), Type.Null()]) }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as Record<string, string | number | undefined>;
      const where = Object.fromEntries(
        Object.entries(q)
          .filter(([k]) => k.startsWith('f.'))
          .map(([k, v]) => [k.slice(2), String(v)]),
      );
      const query: ReadQuery = {
        purpose: req.query.purpose,
        subject: req.query.subject,
        fields: fieldsOf(req.query.fields),
        where,
        limit: req.query.limit ?? 100,
        after: req.query.after,
      };
      if ((req.headers.accept ?? '').includes('application/x-ndjson')) {
        const ctx = ctxOf(req);
        const rows = readAll(ctx, req.params.id, query);
        const first = await rows.next(); // plan and first page before the status line, so refusals are proper 403s
        async function* lines() {
          if (!first.done) yield JSON.stringify(first.value) + '\n';
          for await (const r of rows) yield JSON.stringify(r) + '\n';
        }
        return reply.type('application/x-ndjson').send(Readable.from(lines()) as never);
      }
      return readPage(ctxOf(req), req.params.id, query);
    },
  );
  app.get(
    '/api/v1/datasets/:id/records/:key',
    {
      schema: {
        tags,
        security: bearer,
        params: Key,
        summary:
          'The current version of a record, by key (key fields joined with |; an ID number may be given in clear)',
        querystring: Type.Object({ purpose: Purpose, fields: Fields }, { additionalProperties: false }),
        response: { 200: RecordVersion, ...errors },
      },
    },
    async (req) => {
      const page = await readPage(ctxOf(req), req.params.id, {
        key: req.params.key,
        purpose: req.query.purpose,
        fields: fieldsOf(req.query.fields),
        limit: 1,
      });
      if (!page.items[0])
        throw notFound(
          'record_not_found',
          `Dataset ${req.params.id} has no current record with key ${req.params.key} that you may see.`,
        );
      return page.items[0];
    },
  );
  app.get(
    '/api/v1/datasets/:id/records/:key/history',
    {
      schema: {
        tags,
        security: bearer,
        params: Key,
        summary: 'Every version of a record, and the error reports about it',
        querystring: Type.Object({ purpose: Purpose }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(RecordVersion), corrections: Type.Array(Correction) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const page = await readPage(ctx, req.params.id, {
        key: req.params.key,
        purpose: req.query.purpose,
        limit: 1000,
        history: true,
      });
      if (!page.items[0])
        throw notFound(
          'record_not_found',
          `Dataset ${req.params.id} has no record with key ${req.params.key} that you may see.`,
        );
      return { items: page.items, corrections: await correctionsOf(ctx, req.params.id, page.items[0].key) };
    },
  );
  app.post(
    '/api/v1/datasets/:id/records/:key/corrections',
    {
      schema: {
        tags: ['sharing'],
        security: bearer,
        params: Key,
        summary: 'Report a suspected error in a shared record to its owner',
        body: Type.Object(
          { field: Type.Optional(Type.String()), description: Type.String({ minLength: 4, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 201: Correction, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await reportError(ctxOf(req), req.params.id, req.params.key, req.body)),
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
