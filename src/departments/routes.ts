import { Type } from '@sinclair/typebox';
import { issueToken, listTokens, revokeToken } from '../auth/tokens.js';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { Department, DepartmentInput, DepartmentPatch } from './schema.js';
import { createDepartment, getDepartment, listDepartments, updateDepartment, whoAmI } from './service.js';

const tags = ['departments'];
const Id = Type.Object({ id: Type.String() });
const TokenInfo = Type.Object(
  {
    id: Type.String(),
    departmentId: Type.String(),
    name: Type.String(),
    createdAt: Type.String(),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
    lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'TokenInfo' },
);
const IssuedToken = Type.Object(
  {
    id: Type.String(),
    departmentId: Type.String(),
    name: Type.String(),
    token: Type.String({ description: 'Shown once; store it safely' }),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'IssuedToken' },
);
const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { title: 'TokenInput', additionalProperties: false },
);

export function registerDepartmentRoutes(app: App): void {
  app.get(
    '/api/v1/me',
    {
      schema: {
        tags,
        summary: 'The department the token belongs to',
        security: bearer,
        response: {
          200: Type.Object({ department: Department, role: Type.String(), tokenId: Type.String() }),
          ...errors,
        },
      },
    },
    async (req) => whoAmI(ctxOf(req)),
  );
  app.get(
    '/api/v1/departments',
    {
      schema: {
        tags,
        summary: 'All departments (data subjects)',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(Department) }), ...errors },
      },
    },
    async (req) => ({ items: await listDepartments(ctxOf(req)) }),
  );
  app.post(
    '/api/v1/departments',
    {
      schema: {
        tags,
        summary: 'Register a department (administrator)',
        security: bearer,
        body: DepartmentInput,
        response: { 201: Department, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await createDepartment(ctxOf(req), req.body)),
  );
  app.get(
    '/api/v1/departments/:id',
    {
      schema: {
        tags,
        summary: 'One department',
        security: bearer,
        params: Id,
        response: { 200: Department, ...errors },
      },
    },
    async (req) => getDepartment(ctxOf(req), req.params.id),
  );
  app.patch(
    '/api/v1/departments/:id',
    {
      schema: {
        tags,
        summary: 'Change a department (administrator; a department may change its own contact)',
        security: bearer,
        params: Id,
        body: DepartmentPatch,
        response: { 200: Department, ...errors },
      },
    },
    async (req) => updateDepartment(ctxOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/v1/departments/:id/tokens',
    {
      schema: {
        tags,
        summary: 'A department’s API tokens, without secrets (administrator)',
        security: bearer,
        params: Id,
        response: { 200: Type.Object({ items: Type.Array(TokenInfo) }), ...errors },
      },
    },
    async (req) => ({ items: await listTokens(ctxOf(req), req.params.id) }),
  );
  app.post(
    '/api/v1/departments/:id/tokens',
    {
      schema: {
        tags,
        summary: 'Issue an API token to a department (administrator)',
        security: bearer,
        params: Id,
        body: TokenBody,
        response: { 201: IssuedToken, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await issueToken(ctxOf(req), req.params.id, req.body.name, req.body.expiresAt)),
  );
  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API token (administrator)',
        security: bearer,
        params: Id,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await revokeToken(ctxOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
