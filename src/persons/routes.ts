import { Type } from '@sinclair/typebox';
import { ProvenEntrySchema } from '../audit/routes.js';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { myAccessLog, myRecords } from './service.js';
import { issuePersonToken } from './tokens.js';

const tags = ['persons'];

export function registerPersonRoutes(app: App): void {
  app.post(
    '/api/v1/persons/tokens',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Issue a person token (administrator, standing in for an identity provider)',
        body: Type.Object(
          {
            citizenId: Type.String({ minLength: 18, maxLength: 18 }),
            ttlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
            captureIdentity: Type.Optional(
              Type.Boolean({
                description:
                  'Also keep (encrypted, audited as federation.identity.capture) whose ID number the subject is, so this region node can ask the person’s home region for their status; only on a region node for a person of another region',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            token: Type.String(),
            subject: Type.String({ description: 'Pseudonymous subject id' }),
            expiresAt: Type.String(),
            identityCaptured: Type.Optional(
              Type.Boolean({ description: 'Only with captureIdentity: whether an identity was newly kept' }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await issuePersonToken(ctxOf(req), req.body.citizenId, {
          ttlMinutes: req.body.ttlMinutes,
          captureIdentity: req.body.captureIdentity,
        }),
      ),
  );
  app.get(
    '/api/v1/me/access-log',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Every access to my data: who, when, why, which fields, each with an inclusion proof (person token)',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Intersect([
                ProvenEntrySchema,
                Type.Object({
                  time: Type.String(),
                  action: Type.String(),
                  outcome: Type.String(),
                  department: Type.Union([Type.String(), Type.Null()]),
                  dataset: Type.Union([Type.String(), Type.Null()]),
                  purpose: Type.Union([Type.String(), Type.Null()]),
                  fields: Type.Array(Type.String()),
                  namedAs: Type.String({
                    description:
                      "The value in the entry's subjects that names you: base64url(HMAC-SHA256(key = the entry's salt, your subject id)) (docs/audit.md)",
                  }),
                }),
              ]),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({ items: await myAccessLog(ctxOf(req)) }),
  );
  app.get(
    '/api/v1/me/records',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My own records across datasets (person token)',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                dataset: Type.String(),
                records: Type.Array(
                  Type.Object({
                    version: Type.Integer(),
                    data: Type.Record(Type.String(), Type.Unknown()),
                    masked: Type.Array(Type.String()),
                    validFrom: Type.String(),
                    validTo: Type.Union([Type.String(), Type.Null()]),
                  }),
                ),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({ items: await myRecords(ctxOf(req)) }),
  );
}
