import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Ctx } from '../access/context.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: Ctx;
  }
}

/** The per-request context (caller, database, language) that routes hand to service functions. */
export const ctxOf = (req: FastifyRequest): Ctx => req.ctx;

/** RFC 9457 problem details, as every error response carries. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true, $id: 'Problem' },
);

const ref = Type.Ref(ProblemSchema);

/** Error responses documented on every authenticated route. */
export const errors = {
  400: ref,
  401: ref,
  403: ref,
  404: ref,
  409: ref,
  413: ref,
  415: ref,
  422: ref,
} as const;

export const bearer = [{ bearerAuth: [] }];
