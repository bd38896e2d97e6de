import { Type, type Static } from '@sinclair/typebox';

export const RiskLevel = Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]);
export type RiskLevel = Static<typeof RiskLevel>;

const NonBlank = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });

export const AreaName = Type.Object({ 'zh-CN': NonBlank(128), en: NonBlank(128) }, { additionalProperties: false });

/** Venue codes and station names inside the area: a scan or an arrival there while the area is in force is a visit. */
export const Places = Type.Array(NonBlank(64, 'A venue code or station name'), { minItems: 1, maxItems: 1000 });

export const Division = Type.String({ pattern: '^\\d{6}$', description: 'GB/T 2260 division code (6 digits)' });

export const DeclareInput = Type.Object(
  {
    division: Type.String({
      pattern: '^\\d{6}$',
      description: 'GB/T 2260 code of the county or district the area lies in',
    }),
    name: AreaName,
    level: RiskLevel,
    places: Places,
    startsAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the area comes into force (default now)' }),
    ),
  },
  { additionalProperties: false },
);
export type DeclareInput = Static<typeof DeclareInput>;

export const AreaPatch = Type.Object(
  { level: Type.Optional(RiskLevel), places: Type.Optional(Places) },
  { additionalProperties: false, minProperties: 1 },
);
export type AreaPatch = Static<typeof AreaPatch>;

export const CaseInput = Type.Object(
  {
    at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the case was found (default now); restarts the 7-day clock',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CaseInput = Static<typeof CaseInput>;

export const LiftInput = Type.Object(
  { reason: NonBlank(500, 'Why the area is lifted') },
  { additionalProperties: false },
);
export type LiftInput = Static<typeof LiftInput>;

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const RiskArea = Type.Object({
  id: Type.String(),
  division: Type.String(),
  name: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
  level: RiskLevel,
  places: Type.Array(Type.String()),
  startsAt: Time,
  lastCaseAt: NullableTime,
  endsAt: Type.Union([Time, Type.Null()], {
    description:
      'When the area ended (lifted by hand, or by the 7-day rule once its time has passed); null while it lasts',
  }),
  liftedBy: Type.Union([Type.Literal('rule'), Type.Literal('manual'), Type.Null()]),
  liftReason: Type.Union([Type.String(), Type.Null()]),
  declaredBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  inForce: Type.Boolean({ description: 'In force at the time asked about (default now)' }),
  liftsByRuleAt: Type.Union([Time, Type.Null()], {
    description: 'While the area has not ended: when the 7-day rule lifts it unless a new case is recorded',
  }),
});
export type RiskArea = Static<typeof RiskArea>;

export const DivisionStatus = Type.Object({
  division: Type.String(),
  name: Type.Union([Type.Object({ 'zh-CN': Type.String(), en: Type.String() }), Type.Null()]),
  at: Time,
  routine: Type.Boolean({
    description: 'True when no high- or medium-risk area is in force within the division (back to routine prevention)',
  }),
  high: Type.Integer(),
  medium: Type.Integer(),
  low: Type.Integer(),
  areas: Type.Array(RiskArea, { description: 'The areas in force within the division' }),
});
export type DivisionStatus = Static<typeof DivisionStatus>;

export const ListQuery = Type.Object(
  {
    inForce: Type.Optional(Type.Boolean({ description: 'Only areas in force (true) or not in force (false) at `at`' })),
    division: Type.Optional(Division),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'The time `inForce` refers to (default now)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;
