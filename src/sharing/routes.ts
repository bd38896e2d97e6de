import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { PURPOSES } from './purposes.js';
import { sharingReport } from './report.js';
import { Decision, ListQuery, Reason, Renewal, ShareRequest, ShareRequestInput } from './schema.js';
import {
  approveRequest,
  getRequest,
  listRequests,
  refuseRequest,
  renewGrant,
  requestShare,
  revokeGrant,
  withdrawRequest,
} from './service.js';

const tags = ['sharing'];
const Id = Type.Object({ id: Type.String() });

export function registerSharingRoutes(app: App): void {
  app.get(
    '/api/v1/sharing/purposes',
    {
      schema: {
        tags,
        summary: 'The purpose vocabulary',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ code: Type.String(), name: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }) }),
            ),
          }),
        },
      },
    },
    async () => ({ items: Object.entries(PURPOSES).map(([code, name]) => ({ code, name })) }),
  );
  app.post(
    '/api/v1/sharing/requests',
    {
      schema: {
        tags,
        security: bearer,
        body: ShareRequestInput,
        response: { 201: ShareRequest, ...errors },
        summary: 'Ask for another department’s data',
        description:
          'Unconditional datasets are granted at once, not-shared ones refused citing their legal basis, conditional ones wait for the owner (deadline: 10 working days).',
      },
    },
    async (req, reply) => reply.status(201).send(await requestShare(ctxOf(req), req.body)),
  );
  app.get(
    '/api/v1/sharing/requests',
    {
      schema: {
        tags,
        summary: 'Requests I made or that concern my data',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(ShareRequest) }), ...errors },
      },
    },
    async (req) => ({ items: await listRequests(ctxOf(req), req.query) }),
  );
  app.get(
    '/api/v1/sharing/requests/:id',
    {
      schema: {
        tags,
        summary: 'One request or grant, with every state change',
        security: bearer,
        params: Id,
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => getRequest(ctxOf(req), req.params.id),
  );
  app.post(
    '/api/v1/sharing/requests/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a conditional request (owner)',
        security: bearer,
        params: Id,
        body: Decision,
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => approveRequest(ctxOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/v1/sharing/requests/:id/refuse',
    {
      schema: {
        tags,
        summary: 'Refuse a request, with the reason (owner)',
        security: bearer,
        params: Id,
        body: Reason,
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => refuseRequest(ctxOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/sharing/requests/:id/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke a grant, with the reason (owner)',
        security: bearer,
        params: Id,
        body: Reason,
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => revokeGrant(ctxOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/sharing/requests/:id/withdraw',
    {
      schema: {
        tags,
        summary: 'Withdraw a pending request (requester)',
        security: bearer,
        params: Id,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => withdrawRequest(ctxOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/sharing/requests/:id/renew',
    {
      schema: {
        tags,
        summary: 'Renew a grant (requester); conditional data goes back to the owner',
        security: bearer,
        params: Id,
        body: Renewal,
        response: { 200: ShareRequest, ...errors },
      },
    },
    async (req) => renewGrant(ctxOf(req), req.params.id, req.body.periodEnd, req.body.reason),
  );
}

export function registerReportRoutes(app: App): void {
  const Row = Type.Object({
    department: Type.String(),
    datasets: Type.Integer(),
    recordsContributed: Type.Integer(),
    recordsReadByOthers: Type.Integer(),
    recordsConsumed: Type.Integer(),
    requestsMade: Type.Integer(),
    requestsReceived: Type.Integer(),
    requestsAnswered: Type.Integer(),
    medianAnswerHours: Type.Union([Type.Number(), Type.Null()]),
    overdue: Type.Integer(),
  });
  app.get(
    '/api/v1/reports/sharing',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'What each department gives and gets (mutual benefit report)',
        response: { 200: Type.Object({ generatedAt: Type.String(), departments: Type.Array(Row) }), ...errors },
      },
    },
    async (req) => sharingReport(ctxOf(req)),
  );
}
