import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { createElement, getElement, listElements, validateValue } from './registry.js';
import { ElementInput, ElementSchema, ValidateBody, ValidateResult } from './schema.js';

const tags = ['standard'];
const Code = Type.Object({ code: Type.String() });

export function registerStandardRoutes(app: App): void {
  app.get(
    '/api/v1/elements',
    {
      schema: {
        tags,
        summary: 'The data standard: every standard data element (public)',
        response: { 200: Type.Object({ items: Type.Array(ElementSchema) }) },
      },
    },
    async (req) => ({ items: await listElements(ctxOf(req).db) }),
  );
  app.get(
    '/api/v1/elements/:code',
    {
      schema: { tags, summary: 'One standard data element', params: Code, response: { 200: ElementSchema, ...errors } },
    },
    async (req) => getElement(ctxOf(req).db, req.params.code),
  );
  app.post(
    '/api/v1/elements',
    {
      schema: {
        tags,
        summary: 'Register a standard data element (administrator)',
        security: bearer,
        body: ElementInput,
        response: { 201: ElementSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await createElement(ctxOf(req), req.body)),
  );
  app.post(
    '/api/v1/elements/:code/validate',
    {
      schema: {
        tags,
        summary: 'Check one value against an element, as ingest would',
        params: Code,
        body: ValidateBody,
        response: { 200: ValidateResult, ...errors },
      },
    },
    async (req) => validateValue(ctxOf(req), req.params.code, req.body.value),
  );
}
