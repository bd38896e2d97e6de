import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import { recomputeJob, recomputeJobs, startFullRecompute } from './job.js';
import { JobSchema, StatusWithHistory } from './schema.js';
import { myStatus, statusOfCitizen } from './service.js';

const tags = ['health codes'];

export function registerStatusRoutes(app: App): void {
  app.get(
    '/api/v1/me/status',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'My health-code status: colour, the rules that decided it with their records, and every change (person token)',
        response: { 200: StatusWithHistory, ...errors },
      },
    },
    async (req) => myStatus(ctxOf(req)),
  );
  app.post(
    '/api/v1/health-status/lookup',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'A person’s status by ID number (administrator; audited with the person as subject)',
        body: Type.Object({ citizenId: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: StatusWithHistory, ...errors },
      },
    },
    async (req) => statusOfCitizen(ctxOf(req), req.body.citizenId),
  );
  app.post(
    '/api/v1/admin/health/recompute',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Start the full recompute (or join the one running); it runs in the background and resumes after a restart',
        response: { 202: JobSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(await startFullRecompute(ctxOf(req))),
  );
  app.get(
    '/api/v1/admin/health/recompute',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Recent recompute jobs',
        response: { 200: Type.Object({ items: Type.Array(JobSchema) }), ...errors },
      },
    },
    async (req) => ({ items: await recomputeJobs(ctxOf(req)) }),
  );
  app.get(
    '/api/v1/admin/health/recompute/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One recompute job',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: JobSchema, ...errors },
      },
    },
    async (req) => recomputeJob(ctxOf(req), req.params.id),
  );
}
