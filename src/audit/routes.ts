import { Type } from '@sinclair/typebox';
import { bearer, ctxOf, errors } from '../http/context.js';
import type { App } from '../http/types.js';
import { currentTreeHead, getConsistency, getEntry, signHeadNow, verifyAudit } from './service.js';

const tags = ['audit'];
/** A sequence number or tree size: an integer the database's bigint and JavaScript's numbers both hold exactly. */
const Seq = (minimum: number) => Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER });
export const TreeHeadSchema = Type.Object({
  treeSize: Type.Integer(),
  root: Type.String({ description: 'hex' }),
  time: Type.String(),
  kid: Type.String(),
  signature: Type.String({ description: 'base64 ES256 (IEEE P1363) over canonical JSON {root, time, treeSize}' }),
});
export const ProvenEntrySchema = Type.Object({
  seq: Type.Integer(),
  entry: Type.String({ description: 'Canonical JSON; its UTF-8 bytes are the Merkle leaf' }),
  leafHash: Type.String(),
  treeHead: TreeHeadSchema,
  proof: Type.Array(Type.String(), { description: 'RFC 6962 audit path, hex' }),
});

export function registerAuditRoutes(app: App): void {
  app.get(
    '/api/v1/audit/tree-head',
    {
      schema: {
        tags,
        summary: 'The latest signed tree head of the audit ledger (public)',
        response: { 200: TreeHeadSchema, ...errors },
      },
    },
    async (req) => currentTreeHead(ctxOf(req)),
  );
  app.post(
    '/api/v1/audit/tree-heads',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Sign a tree head now (administrator)',
        response: { 201: TreeHeadSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await signHeadNow(ctxOf(req))),
  );
  app.get(
    '/api/v1/audit/entries/:seq',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'An audit entry with its inclusion proof',
        params: Type.Object({ seq: Seq(0) }),
        response: { 200: ProvenEntrySchema, ...errors },
      },
    },
    async (req) => getEntry(ctxOf(req), req.params.seq),
  );
  app.get(
    '/api/v1/audit/consistency',
    {
      schema: {
        tags,
        summary: 'RFC 6962 consistency proof between two tree sizes (public)',
        querystring: Type.Object({ from: Seq(1), to: Seq(1) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ from: Type.Integer(), to: Type.Integer(), proof: Type.Array(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => getConsistency(ctxOf(req), req.query.from, req.query.to),
  );
  app.post(
    '/api/v1/audit/verify',
    {
      schema: {
        tags,
        security: bearer,
        summary: 'Recompute the ledger from storage and check it against the signed heads (administrator)',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            treeSize: Type.Integer(),
            entriesChecked: Type.Integer(),
            headsChecked: Type.Integer(),
            firstBadEntry: Type.Union([Type.Integer(), Type.Null()]),
            problems: Type.Array(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => verifyAudit(ctxOf(req)),
  );
}
