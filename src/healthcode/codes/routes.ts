import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import { checkCode } from './check.js';
import { issueCodeForCitizen, issueMyCode, renderCode } from './issue.js';
import { listCodeKeys, revokeCodeKey, rotateCodeKey } from './keys.js';
import {
  CheckAnswerSchema,
  CheckBody,
  CodeBody,
  CodeKeySchema,
  IssueBody,
  IssuedCodeSchema,
  KidParams,
  MyCodeQuery,
  RevokeBody,
  TrustListSchema,
  VerdictSchema,
} from './schema.js';
import { nodeTrust } from './trustlist.js';
import { verifyCodeText } from './verify.js';

const tags = ['health codes'];

export function registerCodeRoutes(app: App): void {
  app.get(
    '/api/v1/me/code',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My health code now (person token): JSON, or the QR image with format=svg|png',
        querystring: MyCodeQuery,
        response: { 200: IssuedCodeSchema, ...errors },
      },
    },
    async (req, reply) => {
      const issued = await issueMyCode(ctxOf(req));
      const format = req.query.format ?? 'text';
      void reply.header('cache-control', 'no-store'); // a live credential
      if (format === 'text') return issued;
      const image = await renderCode(issued.code, format);
      // An image, not the JSON of the 200 schema: Fastify sends strings and Buffers as they are.
      return reply.type(image.type).send(image.body as never);
    },
  );

  app.post(
    '/api/v1/codes',
    {
      schema: {
        tags,
        security: bearer,
        summary: "Issue a person's health code by ID number (data-center administrator; audited with the person)",
        body: IssueBody,
        response: { 201: IssuedCodeSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await issueCodeForCitizen(ctxOf(req), req.body.citizenId)),
  );

  app.post(
    '/api/v1/codes/verify',
    {
      schema: {
        tags,
        summary:
          "Verify a code against this node's trust list (public). 200 with valid:false and a reason for a bad code",
        body: CodeBody,
        response: { 200: VerdictSchema, ...errors },
      },
    },
    async (req) => verifyCodeText(ctxOf(req).platform, req.body.code),
  );

  app.post(
    '/api/v1/checks',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          "Check a code at a checkpoint or venue (department token): the person's CURRENT colour; the scan is recorded",
        body: CheckBody,
        response: { 200: CheckAnswerSchema, ...errors },
      },
    },
    async (req) => checkCode(ctxOf(req), req.body),
  );

  app.get(
    '/api/v1/trust-list',
    {
      schema: {
        tags,
        summary: "The node's signed trust list of code-signing keys (public)",
        response: { 200: TrustListSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.header('cache-control', 'public, max-age=5').send((await nodeTrust(ctxOf(req).platform)).published),
  );

  app.get(
    '/api/v1/admin/code-keys',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Code-signing keys with their validity and trust-list presence (administrator)',
        response: { 200: Type.Object({ items: Type.Array(CodeKeySchema) }), ...errors },
      },
    },
    async (req) => ({ items: await listCodeKeys(ctxOf(req)) }),
  );

  app.post(
    '/api/v1/admin/code-keys/rotate',
    {
      schema: {
        tags,
        security: bearer,
        summary:
          'Make a new code-signing key active now; the old one is retired and verifies its codes until they expire (administrator)',
        response: { 201: Type.Object({ active: CodeKeySchema, retired: Type.Array(Type.String()) }), ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await rotateCodeKey(ctxOf(req))),
  );

  app.post(
    '/api/v1/admin/code-keys/:kid/revoke',
    {
      // The body ({ reason }) is optional: a request without one is taken as {}.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        security: bearer,
        summary:
          'Revoke a code-signing key: every code it signed fails with key_revoked (administrator). kid in base64url',
        params: KidParams,
        body: RevokeBody,
        response: { 200: Type.Object({ revoked: CodeKeySchema, active: CodeKeySchema }), ...errors },
      },
    },
    async (req) => revokeCodeKey(ctxOf(req), req.params.kid, req.body.reason),
  );
}
