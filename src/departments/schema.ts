import { Type, type Static } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../core/ids.js';

export const Level = Type.Union([
  Type.Literal('national'),
  Type.Literal('provincial'),
  Type.Literal('city'),
  Type.Literal('district'),
]);
export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('department')]);

export const Contact = Type.Object(
  {
    person: Type.Optional(Type.String({ maxLength: 64 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    email: Type.Optional(Type.String({ maxLength: 128, format: 'email' })),
  },
  { additionalProperties: false },
);

export const DepartmentInput = Type.Object(
  {
    id: Type.String({ pattern: SLUG_PATTERN, description: 'Short stable identifier, e.g. gd-cdc' }),
    name: Type.Object(
      { 'zh-CN': Type.String({ minLength: 1, maxLength: 128 }), en: Type.String({ minLength: 1, maxLength: 128 }) },
      { additionalProperties: false },
    ),
    creditCode: Type.String({ description: 'Unified social credit code (GB 32100-2015), check character validated' }),
    level: Level,
    region: Type.String({ description: 'Administrative division code (GB/T 2260)' }),
    role: Type.Optional(RoleSchema),
    contact: Type.Optional(Contact),
  },
  { additionalProperties: false },
);
export type DepartmentInput = Static<typeof DepartmentInput>;

export const DepartmentPatch = Type.Partial(Type.Omit(DepartmentInput, ['id', 'role']), {
  additionalProperties: false,
});
export type DepartmentPatch = Static<typeof DepartmentPatch>;

export const Department = Type.Object({
  id: Type.String(),
  name: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
  creditCode: Type.String(),
  level: Level,
  region: Type.String(),
  role: RoleSchema,
  contact: Contact,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Department = Static<typeof Department>;
