import { Type, type Static } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../core/ids.js';

export const Localized = Type.Object(
  { 'zh-CN': Type.String({ minLength: 1, maxLength: 2000 }), en: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const FIELD_NAME_PATTERN = '^[a-z][a-z0-9_]{0,62}$';

export const Field = Type.Object(
  {
    name: Type.String({ pattern: FIELD_NAME_PATTERN }),
    element: Type.String({ description: 'Code of a standard data element' }),
    required: Type.Optional(Type.Boolean({ default: false })),
    description: Type.Optional(Localized),
  },
  { additionalProperties: false },
);
export type Field = Static<typeof Field>;

export const SharingClass = Type.Union(
  [Type.Literal('unconditional'), Type.Literal('conditional'), Type.Literal('not_shared')],
  {
    description:
      'unconditional: shared on request; conditional: needs the owner’s approval; not_shared: needs a legal basis',
  },
);
export type SharingClass = Static<typeof SharingClass>;

export const UpdateFrequency = Type.Union(
  ['realtime', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'].map((v) => Type.Literal(v)),
);

export const Coverage = Type.Object(
  {
    region: Type.String({ description: 'GB/T 2260 code of the area covered' }),
    start: Type.Optional(Type.String({ format: 'date' })),
    end: Type.Optional(Type.String({ format: 'date' })),
  },
  { additionalProperties: false },
);

export const DatasetInput = Type.Object(
  {
    id: Type.String({ pattern: SLUG_PATTERN }),
    owner: Type.Optional(
      Type.String({
        description: 'Owning department; defaults to the caller. Only an administrator may name another.',
      }),
    ),
    title: Localized,
    description: Localized,
    fields: Type.Array(Field, { minItems: 1, maxItems: 200 }),
    key: Type.Array(Type.String({ pattern: FIELD_NAME_PATTERN }), {
      minItems: 1,
      maxItems: 8,
      description: 'Fields that identify a record',
    }),
    subjectField: Type.Optional(
      Type.String({
        pattern: FIELD_NAME_PATTERN,
        description: 'Field naming the person a record is about (a citizen_id element)',
      }),
    ),
    updateFrequency: UpdateFrequency,
    coverage: Coverage,
    sharingClass: SharingClass,
    legalBasis: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    open: Type.Optional(Type.Boolean()),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type DatasetInput = Static<typeof DatasetInput>;

export const DatasetPatch = Type.Partial(Type.Omit(DatasetInput, ['id', 'owner']), { additionalProperties: false });
export type DatasetPatch = Static<typeof DatasetPatch>;

export const Dataset = Type.Object({
  id: Type.String(),
  owner: Type.String(),
  title: Localized,
  description: Localized,
  fields: Type.Array(Field),
  key: Type.Array(Type.String()),
  subjectField: Type.Union([Type.String(), Type.Null()]),
  keyScope: Type.Union([Type.Literal('global'), Type.Literal('dataset')], {
    description:
      'How the blind indexes of sensitive key parts are keyed: per dataset (every dataset created since 0016), or with one index for the node (older datasets)',
  }),
  updateFrequency: Type.String(),
  coverage: Coverage,
  sharingClass: SharingClass,
  legalBasis: Type.Union([Type.String(), Type.Null()]),
  open: Type.Boolean(),
  keywords: Type.Array(Type.String()),
  version: Type.Integer(),
  recordCount: Type.Integer(),
  lastIngestAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Dataset = Static<typeof Dataset>;

export const CatalogQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ maxLength: 200, description: 'Words to find in id, titles, descriptions and keywords' }),
    ),
    owner: Type.Optional(Type.String()),
    sharingClass: Type.Optional(SharingClass),
    element: Type.Optional(Type.String({ description: 'Datasets that contain this standard element' })),
    region: Type.Optional(Type.String({ description: 'Coverage region or its prefix' })),
    open: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
);
export type CatalogQuery = Static<typeof CatalogQuery>;
