import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../../http/context.js';
import type { App } from '../../http/types.js';
import { decideAppeal, fileAppeal, getAppeal, listAppeals, MAX_OVERRIDE_DAYS, myAppeals } from './service.js';

// Appeals against a health-code status: the person files (person token), the responsible department or an
// administrator decides (department token). See service.ts for the rules.

const tags = ['appeals'];
const Colour = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')]);
const Localized = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const Reason = Type.String({ minLength: 1, maxLength: 2000 });

const Appeal = Type.Object(
  {
    id: Type.String(),
    subject: Type.String({ description: 'The person’s pseudonymous subject id (never the ID number)' }),
    status: Status,
    reason: Type.String({ description: 'The person’s reason' }),
    colourAtFiling: Colour,
    rulesAtFiling: Type.Object(
      {
        ruleSet: Type.String(),
        ruleVersion: Type.String(),
        computedColour: Colour,
        reasons: Type.Array(
          Type.Object({
            rule: Type.String(),
            colour: Colour,
            description: Localized,
            evidence: Type.Array(Type.Object({ dataset: Type.String(), key: Type.String() })),
          }),
        ),
      },
      { description: 'The rule set and the reasons the status had when the appeal was filed' },
    ),
    responsible: Type.String({ description: 'The department that answers for the appeal' }),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decisionReason: Type.Union([Type.String(), Type.Null()]),
    overrideColour: Type.Union([Colour, Type.Null()]),
    overrideUntil: Type.Union([Type.String(), Type.Null()]),
    overrideActive: Type.Boolean({ description: 'Accepted and the override still running' }),
    createdAt: Type.String(),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Appeal', $id: 'Appeal' },
);

const Id = Type.Object({ id: Type.String() });

export function registerAppealRoutes(app: App): void {
  app.addSchema(Appeal);
  const ref = Type.Ref(Appeal);

  app.post(
    '/api/v1/me/appeals',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Appeal my current health-code status (person token)',
        description:
          'Records the colour and reasons as they are now and sends the appeal to the department that answers for the data behind the first reason (else the data center). ' +
          '409 nothing_to_appeal when the code is green, 409 appeal_open while an earlier appeal waits for its decision.',
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 201: ref, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await fileAppeal(ctxOf(req), req.body)),
  );

  app.get(
    '/api/v1/me/appeals',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'My appeals and their decisions, newest first (person token)',
        response: { 200: Type.Object({ items: Type.Array(ref) }), ...errors },
      },
    },
    async (req) => ({ items: await myAppeals(ctxOf(req)) }),
  );

  app.get(
    '/api/v1/appeals',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Appeals my department answers for (an administrator sees all), oldest first',
        querystring: Type.Object(
          {
            status: Type.Optional(Status),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(ref) }), ...errors },
      },
    },
    async (req) => ({ items: await listAppeals(ctxOf(req), req.query) }),
  );

  app.get(
    '/api/v1/appeals/:id',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'One appeal (the responsible department or an administrator)',
        params: Id,
        response: { 200: ref, ...errors },
      },
    },
    async (req) => getAppeal(ctxOf(req), req.params.id),
  );

  app.post(
    '/api/v1/appeals/:id/decision',
    {
      schema: {
        tags,
        security: bearer,
        params: Id,
        summary: 'Accept or reject an open appeal (the responsible department or an administrator)',
        description:
          `Accepting overrides the person’s colour with \`colour\` (default green) until \`expiresAt\` (required; in the future, at most ${MAX_OVERRIDE_DAYS} days ahead); ` +
          'the status is recomputed at once. A rejection leaves the status as computed. 409 appeal_decided when the appeal was already decided.',
        body: Type.Object(
          {
            decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
            reason: Reason,
            colour: Type.Optional(Colour),
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ref, ...errors },
      },
    },
    async (req) => decideAppeal(ctxOf(req), req.params.id, req.body),
  );
}
