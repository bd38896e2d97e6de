import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { applyMessage } from './events.js';
import { registerRegion, revokeNationally } from './hub.js';
import { servedNationalList } from './national.js';
import { nodeInfo } from './identity.js';
import { listOutbox, receiveBatch, receiveMessage } from './messages.js';
import { answerStatusQuery } from './remote-status.js';
import { answerPersonStatus } from './overlay.js';
import { federationStatus, notified } from './service.js';
import { Problem } from '../core/problem.js';

const tags = ['federation'];
const Any = Type.Object({}, { additionalProperties: true });
// The notice's strict shape (protocol/notice.ts checks it again, with the signature): a bogus body is a 400.
const NoticeBody = Type.Object(
  {
    notice: Type.Object(
      {
        type: Type.Literal('national_list'),
        from: Type.String({ pattern: '^\\d{6}$' }),
        to: Type.String({ pattern: '^\\d{6}$' }),
        version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
        at: Type.String({ minLength: 20, maxLength: 24 }),
      },
      { additionalProperties: false },
    ),
    signature: Type.Optional(
      Type.Object(
        {
          kid: Type.String({ pattern: '^[A-Za-z0-9+/=]{1,64}$' }),
          value: Type.String({ minLength: 88, maxLength: 88 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'FederationNotice', additionalProperties: false },
);

export function registerFederationRoutes(app: App): void {
  app.get(
    '/api/v1/federation/node',
    {
      schema: {
        tags,
        summary: 'This node: region, role and node key (public)',
        response: {
          200: Type.Object({
            region: Type.String(),
            role: Type.String(),
            kid: Type.String(),
            publicKey: Type.String(),
          }),
        },
      },
    },
    async (req) => nodeInfo(ctxOf(req).platform),
  );
  app.get(
    '/api/v1/federation/trust-list',
    {
      schema: {
        tags,
        summary:
          'The national trust list signed by the hub, with the hub key as `signer`: the hub’s own, or the copy a region node keeps (public)',
        response: { 200: Any, ...errors },
      },
    },
    async (req) => {
      const doc = await servedNationalList(ctxOf(req).platform);
      if (!doc)
        throw new Problem({
          status: 404,
          code: 'no_national_list',
          title: 'Not found',
          detail: 'This node holds no national trust list (it is standalone, or has not reached the hub yet).',
        });
      return doc;
    },
  );
  app.post(
    '/api/v1/federation/regions',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Register a region node at the hub (hub administrator); its node key is fetched and pinned',
        body: Type.Object(
          { region: Type.String({ pattern: '^\\d{6}$' }), url: Type.String({ minLength: 8, maxLength: 300 }) },
          { additionalProperties: false },
        ),
        response: { 201: Any, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await registerRegion(ctxOf(req), req.body)),
  );
  app.post(
    '/api/v1/federation/keys/:kid/revoke',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Revoke a code-signing key nationally (hub administrator); kid in base64url',
        params: Type.Object({ kid: Type.String({ minLength: 8, maxLength: 64 }) }),
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ revoked: Type.String() }), ...errors },
      },
    },
    async (req) => ({ revoked: await revokeNationally(ctxOf(req), req.params.kid, req.body.reason) }),
  );
  app.post(
    '/api/v1/federation/notify',
    {
      schema: {
        tags,
        summary:
          'The hub tells a region a new national list is out: a notice signed by the hub key the region pinned (the region fetches and checks the list; many notices lead to one fetch)',
        body: NoticeBody,
        response: {
          202: Type.Object({
            accepted: Type.Boolean(),
            fetch: Type.Union([Type.Literal('queued'), Type.Literal('not_needed')]),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) => reply.status(202).send(await notified(ctxOf(req).platform, req.body)),
  );
  app.post(
    '/api/v1/federation/inbox',
    {
      schema: {
        tags,
        summary: 'Receive a signed message from another node (checked, applied once)',
        body: Any,
        response: { 200: Type.Object({ id: Type.String(), applied: Type.Boolean() }), ...errors },
      },
    },
    async (req) => receiveMessage(ctxOf(req).platform, req.body, applyMessage),
  );
  app.post(
    '/api/v1/federation/inbox/batch',
    {
      schema: {
        tags,
        summary: 'Receive up to 200 signed messages (each checked on its own; the good ones applied once, together)',
        body: Any,
        response: { 200: Type.Object({ results: Type.Array(Any) }), ...errors },
      },
    },
    async (req) => receiveBatch(ctxOf(req).platform, req.body, applyMessage),
  );
  app.post(
    '/api/v1/federation/status',
    {
      schema: {
        tags,
        summary: 'Another region asks for the current status behind one of this node’s codes (signed both ways)',
        body: Any,
        response: { 200: Any, ...errors },
      },
    },
    async (req) => answerStatusQuery(ctxOf(req).platform, req.body),
  );
  app.get(
    '/api/v1/federation/outbox',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'The newest outgoing messages and their delivery (administrator)',
        querystring: Type.Object({
          pending: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Any) }), ...errors },
      },
    },
    async (req) => ({
      items: await listOutbox(ctxOf(req), {
        ...(req.query.pending !== undefined ? { pending: req.query.pending } : {}),
        ...(req.query.limit ? { limit: req.query.limit } : {}),
      }),
    }),
  );
  app.post(
    '/api/v1/federation/person-status',
    {
      schema: {
        tags,
        summary:
          'Another region asks this node, a person’s home region, for their status (the person sealed for this node; signed both ways)',
        body: Any,
        response: { 200: Any, ...errors },
      },
    },
    async (req) => answerPersonStatus(ctxOf(req).platform, req.body),
  );
  app.get(
    '/api/v1/federation/status',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Role, peers, last sync, outbox backlog, trust-list version (administrator)',
        response: { 200: Any, ...errors },
      },
    },
    async (req) => federationStatus(ctxOf(req)),
  );
}
