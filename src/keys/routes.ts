import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { fieldKeyStatus, rotateFieldKey, startReencryption } from './fieldkeys.js';

const Status = Type.Object(
  {
    running: Type.Boolean(),
    activeKey: Type.String(),
    keys: Type.Array(Type.String()),
    reencrypted: Type.Integer(),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    finishedAt: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'FieldKeyStatus' },
);
const tags = ['keys'];

export function registerKeyRoutes(app: App, opts: { keyFile: string | undefined }): void {
  app.get(
    '/api/v1/admin/field-keys',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Field-encryption keys (ids only) and the re-encryption job (administrator)',
        response: { 200: Status, ...errors },
      },
    },
    async (req) => fieldKeyStatus(ctxOf(req)),
  );
  app.post(
    '/api/v1/admin/field-keys/rotate',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Make a new field key active and re-encrypt stored values in the background (administrator)',
        response: { 202: Status, ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(await rotateFieldKey(ctxOf(req), opts.keyFile)),
  );
  app.post(
    '/api/v1/admin/field-keys/reencrypt',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Re-encrypt values still under an older key (administrator)',
        response: { 202: Status, ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(startReencryption(ctxOf(req))),
  );
}
