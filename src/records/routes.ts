import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { getRecord, getRecordHistory, listRecords } from './service.js';

const tags = ['records'];
const RecordVersion = Type.Object({
  key: Type.String(), version: Type.Integer(), data: Type.Record(Type.String(), Type.Unknown()), batchId: Type.String(),
  validFrom: Type.String(), validTo: Type.Union([Type.String(), Type.Null()]),
});
const Key = Type.Object({ id: Type.String(), key: Type.String() });

export function registerRecordRoutes(app: App): void {
  app.get('/api/v1/datasets/:id/records', {
    schema: { tags, summary: 'Current records of an own dataset, in key order', security: bearer, params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), after: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(RecordVersion), next: Type.Union([Type.String(), Type.Null()]) }), ...errors } },
  }, async (req) => listRecords(ctxOf(req), req.params.id, req.query.limit ?? 100, req.query.after));
  app.get('/api/v1/datasets/:id/records/:key', { schema: { tags, summary: 'The current version of a record, by key (key fields joined with |)', security: bearer, params: Key, response: { 200: RecordVersion, ...errors } } },
    async (req) => getRecord(ctxOf(req), req.params.id, req.params.key));
  app.get('/api/v1/datasets/:id/records/:key/history', { schema: { tags, summary: 'Every version of a record', security: bearer, params: Key, response: { 200: Type.Object({ items: Type.Array(RecordVersion) }), ...errors } } },
    async (req) => ({ items: await getRecordHistory(ctxOf(req), req.params.id, req.params.key) }));
}
