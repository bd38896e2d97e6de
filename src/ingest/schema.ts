import { Type, type Static } from '@sinclair/typebox';

export const MappingSpec = Type.Object(
  {
    columns: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), {
        description: 'Local column name → dataset field name',
      }),
    ),
    ignore: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { description: 'Local columns to drop' })),
    ignoreUnknown: Type.Optional(
      Type.Boolean({ description: 'Drop columns that are neither mapped nor fields instead of rejecting them' }),
    ),
    dateFormats: Type.Optional(
      Type.Record(Type.String(), Type.String({ minLength: 2, maxLength: 64 }), {
        description:
          'Field → local date/time format using YYYY MM DD HH mm ss tokens, e.g. "YYYY/MM/DD HH:mm" or "YYYYMMDD"',
      }),
    ),
    timezone: Type.Optional(
      Type.String({
        pattern: '^[+-][0-9]{2}:[0-9]{2}$',
        description: 'Offset of local times without one (default +08:00)',
      }),
    ),
    codes: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), {
        description: 'Field → { local code → standard code }',
      }),
    ),
    defaults: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'Field → value used when the row has none',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MappingSpec = Static<typeof MappingSpec>;

export const MappingProfile = Type.Object({
  dataset: Type.String(),
  name: Type.String(),
  spec: MappingSpec,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type MappingProfile = Static<typeof MappingProfile>;

export const RejectedRow = Type.Object({
  row: Type.Integer({ description: '1-based data row (CSV header not counted; NDJSON line; JSON array index + 1)' }),
  field: Type.Union([Type.String(), Type.Null()]),
  element: Type.Union([Type.String(), Type.Null()]),
  code: Type.String(),
  message: Type.String(),
});
export type RejectedRow = Static<typeof RejectedRow>;

export const Receipt = Type.Object({
  batchId: Type.String(),
  dataset: Type.String(),
  format: Type.String(),
  profile: Type.Union([Type.String(), Type.Null()]),
  atomic: Type.Boolean(),
  status: Type.Union([Type.Literal('committed'), Type.Literal('rejected'), Type.Literal('failed')]),
  rowsTotal: Type.Integer(),
  rowsAccepted: Type.Integer(),
  rowsRejected: Type.Integer(),
  inserted: Type.Integer({ description: 'New records' }),
  updated: Type.Integer({ description: 'Records whose content changed: a new version was stored' }),
  unchanged: Type.Integer({ description: 'Records identical to the current version: nothing stored' }),
  duplicatesInBatch: Type.Integer({
    description: 'Rows whose key appeared again later in the same batch (the later row wins)',
  }),
  rejected: Type.Array(RejectedRow),
  rejectedTruncated: Type.Boolean({
    description: 'More rejections than listed here; all are at GET /api/v1/ingest/batches/{id}/rejects',
  }),
});
export type Receipt = Static<typeof Receipt>;

export type Format = 'json' | 'ndjson' | 'csv';
