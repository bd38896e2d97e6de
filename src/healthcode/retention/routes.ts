import { Type } from '@sinclair/typebox';
import { badRequest } from '../../core/problem.js';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import { purgeNow, retentionStatus } from './service.js';

const tags = ['retention'];

const PurgeResult = Type.Object(
  {
    cutoff: Type.String({ description: 'Everything dated before this was deleted' }),
    datasets: Type.Array(
      Type.Object({ dataset: Type.String(), deleted: Type.Integer({ description: 'Record versions deleted' }) }),
    ),
    codeScans: Type.Integer({ description: 'Checkpoint and venue code scans deleted' }),
  },
  { title: 'PurgeResult' },
);

const LastPurge = Type.Intersect([
  PurgeResult,
  Type.Object({
    at: Type.String(),
    auditSeq: Type.Integer({ description: 'The ledger entry (action retention.purge)' }),
  }),
]);

const Status = Type.Object(
  {
    retentionDays: Type.Integer(),
    cutoff: Type.String({ description: 'The cutoff a purge would use now' }),
    datasets: Type.Array(Type.Object({ dataset: Type.String(), timeFields: Type.Array(Type.String()) }), {
      description: 'Datasets with scan or itinerary times, and the fields that date their records',
    }),
    lastPurge: Type.Union([LastPurge, Type.Null()]),
  },
  { title: 'RetentionStatus' },
);

export function registerRetentionRoutes(app: App): void {
  app.get(
    '/api/v1/admin/retention',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'The retention window for scans and itineraries, the datasets it covers and the last purge (administrator)',
        response: { 200: Status, ...errors },
      },
    },
    async (req) => retentionStatus(ctxOf(req)),
  );
  app.post(
    '/api/v1/admin/retention/purge',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Delete venue scans, checkpoint scans and itineraries older than the window now (administrator)',
        description:
          'Uses the server clock. Each dataset is purged in one transaction; the purge is audited (retention.purge) with the counts.',
        response: { 200: PurgeResult, ...errors },
      },
    },
    async (req) => {
      // No options: in particular the clock cannot be set from outside (a purge always uses the server's).
      const body = req.body as unknown;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Object.keys(body).length > 0)) {
        throw badRequest(
          'unexpected_body',
          'A purge takes no options: send no body (it always uses the server clock).',
        );
      }
      return purgeNow(ctxOf(req));
    },
  );
}
