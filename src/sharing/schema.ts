import { Type, type Static } from '@sinclair/typebox';
import { PURPOSE_CODES } from './purposes.js';

export const PurposeCode = Type.Union(
  PURPOSE_CODES.map((p) => Type.Literal(p)),
  { description: 'From the purpose vocabulary (GET /api/v1/sharing/purposes)' },
);

export const Scope = Type.Object(
  {
    divisionPrefix: Type.Optional(
      Type.String({ pattern: '^[0-9]{2,6}$', description: 'Only rows whose region (GB/T 2260) starts with this' }),
    ),
  },
  { additionalProperties: false },
);

export const ShareRequestInput = Type.Object(
  {
    dataset: Type.String(),
    fields: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: 200,
      description: 'Fields asked for (minimum necessary)',
    }),
    clearFields: Type.Optional(
      Type.Array(Type.String(), { maxItems: 200, description: 'Fields needed unmasked; the rest are shown masked' }),
    ),
    purposes: Type.Array(PurposeCode, { minItems: 1, maxItems: 8 }),
    purposeText: Type.String({ minLength: 4, maxLength: 2000, description: 'What the data is for, specifically' }),
    legalBasis: Type.String({
      minLength: 4,
      maxLength: 2000,
      description: 'The duty or law under which the consumer asks',
    }),
    periodStart: Type.Optional(Type.String({ format: 'date-time' })),
    periodEnd: Type.String({ format: 'date-time', description: 'When the grant ends' }),
    scope: Type.Optional(Scope),
  },
  { additionalProperties: false },
);
export type ShareRequestInput = Static<typeof ShareRequestInput>;

export const Status = Type.Union(
  ['pending', 'granted', 'refused', 'revoked', 'withdrawn', 'expired'].map((s) => Type.Literal(s)),
);

export const ShareEvent = Type.Object({
  seq: Type.Integer(),
  action: Type.String(),
  actor: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String(),
});

export const ShareRequest = Type.Object({
  id: Type.String(),
  dataset: Type.String(),
  owner: Type.String(),
  consumer: Type.String(),
  fields: Type.Array(Type.String()),
  clearFields: Type.Array(Type.String()),
  purposes: Type.Array(Type.String()),
  purposeText: Type.String(),
  legalBasis: Type.String(),
  periodStart: Type.String(),
  periodEnd: Type.String(),
  scope: Scope,
  status: Status,
  live: Type.Boolean({ description: 'A grant in force now' }),
  overdue: Type.Boolean({ description: 'Pending past its answer deadline' }),
  deadline: Type.Union([Type.String(), Type.Null()], {
    description:
      'When the owner must answer: the end of the last working day, 23:59:59.999 China Standard Time, in UTC',
  }),
  deadlineCalendar: Type.Union([Type.Literal('official'), Type.Literal('weekends-only'), Type.Null()], {
    description:
      'How the deadline was counted: official (State Council holidays and make-up working days) or weekends-only (part of it lies beyond the years the calendar covers); null without a deadline',
  }),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  renews: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  events: Type.Optional(Type.Array(ShareEvent)),
});
export type ShareRequest = Static<typeof ShareRequest>;

export const Decision = Type.Object(
  {
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    clearFields: Type.Optional(
      Type.Array(Type.String(), { maxItems: 200, description: 'Narrow the fields granted in clear' }),
    ),
    periodEnd: Type.Optional(Type.String({ format: 'date-time', description: 'Shorten the grant' })),
  },
  { additionalProperties: false },
);
export const Reason = Type.Object(
  { reason: Type.String({ minLength: 2, maxLength: 2000 }) },
  { additionalProperties: false },
);
export const Renewal = Type.Object(
  { periodEnd: Type.String({ format: 'date-time' }), reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    role: Type.Optional(
      Type.Union([Type.Literal('consumer'), Type.Literal('owner')], {
        description: 'Requests I made, or requests for my data (default both)',
      }),
    ),
    status: Type.Optional(Status),
    dataset: Type.Optional(Type.String()),
    overdue: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;
