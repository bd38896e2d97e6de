// TypeBox schemas of the codes API.
import { Type } from '@sinclair/typebox';

export const ColourSchema = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
const KeyStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('revoked')]);
const Iso = Type.String({ description: 'ISO 8601' });
/** A code text: long enough for any real code, bounded so the body stays small (verifyCode refuses > 16 384). */
const CodeText = Type.String({ minLength: 1, maxLength: 20_000, description: 'The code text, GSHC1:...' });

export const IssuedCodeSchema = Type.Object({
  code: Type.String({ description: 'GSHC1:... (no ID number or name inside: sub is a pseudonymous id)' }),
  colour: ColourSchema,
  issuedAt: Iso,
  expiresAt: Iso,
  kid: Type.String({ description: 'The signing key id, base64' }),
  cti: Type.String({ description: 'The code id, hex' }),
});

export const IssueBody = Type.Object(
  {
    citizenId: Type.String({ minLength: 1, maxLength: 64, description: 'GB 11643 citizen ID number (18 characters)' }),
  },
  { additionalProperties: false },
);

export const MyCodeQuery = Type.Object({
  format: Type.Optional(
    Type.Union([Type.Literal('text'), Type.Literal('svg'), Type.Literal('png')], {
      default: 'text',
      description: 'text: JSON; svg or png: the QR image',
    }),
  ),
});

export const CodeBody = Type.Object({ code: CodeText }, { additionalProperties: false });
export const CheckBody = Type.Object(
  {
    code: CodeText,
    venue: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Venue or place code where the code was scanned' }),
    ),
  },
  { additionalProperties: false },
);

const Reason = Type.String({
  description:
    'ok, a failure reason (see CLAIMS.md: wrong_prefix, bad_base45, ..., expired, key_revoked) or status_unknown',
});

export const VerdictSchema = Type.Object({
  valid: Type.Boolean(),
  reason: Reason,
  detail: Type.Optional(Type.String()),
  colour: Type.Optional(ColourSchema),
  region: Type.Optional(Type.String()),
  kid: Type.Optional(Type.String()),
  issuedAt: Type.Optional(Iso),
  expiresAt: Type.Optional(Iso),
  ruleSet: Type.Optional(Type.String()),
  ruleVersion: Type.Optional(Type.String()),
});

export const CheckAnswerSchema = Type.Object({
  valid: Type.Boolean(),
  reason: Reason,
  detail: Type.Optional(Type.String()),
  colour: Type.Optional(
    Type.Union([ColourSchema, Type.Null()], { description: 'The CURRENT colour (null: status unknown)' }),
  ),
  colourInCode: Type.Optional(ColourSchema),
  changedSinceIssue: Type.Optional(Type.Boolean()),
  region: Type.Optional(Type.String()),
  kid: Type.Optional(Type.String()),
  issuedAt: Type.Optional(Iso),
  expiresAt: Type.Optional(Iso),
  ruleSet: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ruleVersion: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  decidedBy: Type.Optional(
    Type.String({
      description:
        'The region whose data decided the colour (the strictest across the issuer and the person’s home region)',
    }),
  ),
  source: Type.Optional(
    Type.Union([Type.Literal('issuer'), Type.Literal('replica')], {
      description:
        'issuer: the issuing node’s stored status (this node’s, or another region asked during this check because no answer of it was kept); replica: the kept copy of the issuer’s last answer',
    }),
  ),
  computedAt: Type.Optional(
    Type.Union([Iso, Type.Null()], { description: 'When the status was computed by the issuer (null: unknown)' }),
  ),
  age: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Seconds since the status was computed (this node) or since the kept answer of another region was received',
    }),
  ),
  stale: Type.Optional(
    Type.Boolean({
      description:
        'The status, or another region’s answer it rests on, is older than its freshness limit: shown as it is, and a recompute or refresh is queued for a worker',
    }),
  ),
  staleReason: Type.Optional(Type.String({ description: 'Why it is stale and what was queued' })),
  liveCall: Type.Optional(
    Type.Boolean({
      description: 'Another region was asked during this check because no answer of it was kept yet (the missing case)',
    }),
  ),
});

const EntrySchema = Type.Object({
  kid: Type.String(),
  region: Type.String(),
  alg: Type.Literal('ES256'),
  publicKey: Type.String({ description: 'DER SubjectPublicKeyInfo, base64' }),
  validFrom: Iso,
  validTo: Iso,
  status: KeyStatusSchema,
});

export const TrustListSchema = Type.Object({
  list: Type.Object({
    version: Type.Integer(),
    issuedAt: Iso,
    issuer: Type.String(),
    entries: Type.Array(EntrySchema),
  }),
  signature: Type.Object({
    alg: Type.Literal('ES256'),
    kid: Type.String(),
    value: Type.String({ description: 'base64, 64 bytes r‖s over the canonical JSON of list' }),
  }),
  signer: Type.Object({
    kid: Type.String(),
    publicKey: Type.String({ description: "The node key's DER SubjectPublicKeyInfo, base64" }),
  }),
});

export const CodeKeySchema = Type.Object({
  kid: Type.String({ description: 'base64' }),
  kidUrl: Type.String({ description: 'base64url, for URLs' }),
  status: KeyStatusSchema,
  createdAt: Iso,
  retiredAt: Type.Union([Iso, Type.Null()]),
  validFrom: Iso,
  validTo: Iso,
  listed: Type.Boolean({ description: 'In the trust list now' }),
});

export const KidParams = Type.Object({
  kid: Type.String({ minLength: 1, maxLength: 64, description: 'The key id in base64url (or base64, URL-encoded)' }),
});
export const RevokeBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false },
);
