import { Type, type Static } from '@sinclair/typebox';

const Localized = Type.Object(
  { 'zh-CN': Type.String({ minLength: 1, maxLength: 500 }), en: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);

export const MaskSchema = Type.Union([
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('show_first_last'),
      first: Type.Integer({ minimum: 0, maximum: 32 }),
      last: Type.Integer({ minimum: 0, maximum: 32 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('show_first'), n: Type.Integer({ minimum: 0, maximum: 64 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('show_last'), n: Type.Integer({ minimum: 0, maximum: 64 }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('name') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('phone') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('hash') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('null') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('year_only') }, { additionalProperties: false }),
]);

/** A standard data element as the API accepts it (version is assigned by the registry). */
export const ElementInput = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }),
    name: Localized,
    description: Type.Optional(Localized),
    type: Type.Union(
      ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'code'].map((v) => Type.Literal(v)),
    ),
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    valueSet: Type.Optional(
      Type.Array(
        Type.Object(
          { code: Type.String({ minLength: 1, maxLength: 64 }), name: Localized },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 1000 },
      ),
    ),
    checkRule: Type.Optional(Type.Union(['gb11643', 'gb32100', 'gbt2260', 'cn_mobile'].map((v) => Type.Literal(v)))),
    sensitivity: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3), Type.Literal(4)], {
      description: '1 public, 2 internal, 3 sensitive personal, 4 highly sensitive personal',
    }),
    mask: MaskSchema,
  },
  { additionalProperties: false },
);
export type ElementInput = Static<typeof ElementInput>;

export const ElementSchema = Type.Intersect([
  Type.Omit(ElementInput, []),
  Type.Object({ version: Type.Integer(), builtin: Type.Boolean() }),
]);

export const ValidateBody = Type.Object({ value: Type.Unknown() }, { additionalProperties: false });
export const ValidateResult = Type.Object({
  element: Type.String(),
  valid: Type.Boolean(),
  value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
