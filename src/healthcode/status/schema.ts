import { Type } from '@sinclair/typebox';

const Colour = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
const Localized = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });

export const ReasonSchema = Type.Object({
  rule: Type.String({ description: 'The rule that fired' }),
  colour: Colour,
  description: Localized,
  evidence: Type.Array(Type.Object({ dataset: Type.String(), key: Type.String() }), {
    description: 'The records that made it fire (newest few per fact list)',
  }),
});

export const StatusSchema = Type.Object({
  subject: Type.String({ description: 'Pseudonymous subject (blind index of the ID number)' }),
  codeSub: Type.String({ description: 'The pseudonymous id in the person’s codes' }),
  colour: Colour,
  computedColour: Colour,
  reasons: Type.Array(ReasonSchema),
  ruleSet: Type.String(),
  ruleVersion: Type.String(),
  overrideAppeal: Type.Union([Type.String(), Type.Null()]),
  since: Type.String({ format: 'date-time' }),
  computedAt: Type.String({ format: 'date-time' }),
});

export const HistorySchema = Type.Object({
  seq: Type.Integer(),
  colour: Colour,
  previous: Type.Union([Colour, Type.Null()]),
  reasons: Type.Array(ReasonSchema),
  ruleSet: Type.String(),
  ruleVersion: Type.String(),
  cause: Type.String(),
  at: Type.String({ format: 'date-time' }),
});

export const FreshnessSchema = Type.Object({
  computedAt: Type.String({ format: 'date-time' }),
  age: Type.Integer({ description: 'Seconds since the status was computed' }),
  stale: Type.Boolean({
    description: 'Older than the freshness limit (5 minutes): shown as it is, and a recompute is queued for the worker',
  }),
  firstUse: Type.Optional(
    Type.Literal(true, { description: 'The person had no status yet: it was computed for this read' }),
  ),
});

export const StatusWithHistory = Type.Object({
  status: StatusSchema,
  history: Type.Array(HistorySchema),
  freshness: FreshnessSchema,
});

export const JobSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  cursor: Type.Union([Type.String(), Type.Null()]),
  processed: Type.Integer(),
  changed: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  startedBy: Type.String(),
  startedAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
