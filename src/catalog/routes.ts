import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { CatalogQuery, Dataset, DatasetInput, DatasetPatch } from './schema.js';
import { createDataset, datasetHistory, getDataset, searchCatalog, updateDataset } from './service.js';

const tags = ['catalog'];
const Id = Type.Object({ id: Type.String() });

export function registerCatalogRoutes(app: App): void {
  app.get(
    '/api/v1/datasets',
    {
      schema: {
        tags,
        summary: 'Browse and search the catalog',
        security: bearer,
        querystring: CatalogQuery,
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(Dataset) }), ...errors },
      },
    },
    async (req) => searchCatalog(ctxOf(req), req.query),
  );
  app.post(
    '/api/v1/datasets',
    {
      schema: {
        tags,
        summary: 'Publish a dataset in the catalog (the owner answers for it)',
        security: bearer,
        body: DatasetInput,
        response: { 201: Dataset, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await createDataset(ctxOf(req), req.body)),
  );
  app.get(
    '/api/v1/datasets/:id',
    {
      schema: {
        tags,
        summary: 'One dataset’s metadata',
        security: bearer,
        params: Id,
        response: { 200: Dataset, ...errors },
      },
    },
    async (req) => getDataset(ctxOf(req), req.params.id),
  );
  app.patch(
    '/api/v1/datasets/:id',
    {
      schema: {
        tags,
        summary: 'Change a dataset’s metadata (a new version)',
        security: bearer,
        params: Id,
        body: DatasetPatch,
        response: { 200: Dataset, ...errors },
      },
    },
    async (req) => updateDataset(ctxOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/v1/datasets/:id/versions',
    {
      schema: {
        tags,
        summary: 'Every published version of a dataset’s metadata',
        security: bearer,
        params: Id,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                version: Type.Integer(),
                definition: Type.Unknown(),
                changedBy: Type.Union([Type.String(), Type.Null()]),
                createdAt: Type.String(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({ items: await datasetHistory(ctxOf(req), req.params.id) }),
  );
}
