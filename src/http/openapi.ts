import type { SwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { namedSchemas } from './openapi-schemas.js';

type Json = Record<string, unknown>;
type Doc = Json & { paths: Record<string, Record<string, Json>>; components: Json };

/** Responses a route answers with another media type than JSON, beside its 200 JSON (method and route template). */
export const ALTERNATE_MEDIA: Record<string, Record<string, Json>> = {
  'GET /api/v1/me/code': {
    'image/png': { schema: { type: 'string', contentMediaType: 'image/png', description: 'QR code (format=png)' } },
    'image/svg+xml': { schema: { type: 'string', description: 'QR code as SVG (format=svg)' } },
  },
  'GET /api/v1/datasets/:id/records': {
    'application/x-ndjson': { schema: { $ref: '#/components/schemas/RecordVersion' } },
  },
  'POST /api/v1/datasets/:id/records/search': {
    'application/x-ndjson': { schema: { $ref: '#/components/schemas/RecordVersion' } },
  },
};

/** Descriptions of successes, for the responses a route did not describe. */
const SUCCESS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the work goes on in the background',
  204: 'Done; no content',
};

/** The problem responses every operation may get, by status, with when they happen. */
const PROBLEMS: Record<string, string> = {
  400: 'Invalid request: a parameter or the body fails its schema, or the URL holds invalid characters',
  401: 'The bearer token is missing (where one is needed), unknown, revoked or expired',
  403: 'The caller may not do this (the problem says why)',
  404: 'Not found, or not visible to the caller',
  409: 'Conflicts with existing data',
  413: 'The body is too large',
  415: 'The body has a media type this operation does not take',
  422: 'Understood but not processable (the problem says why)',
  429: 'Too many failed authentications from this address (Retry-After)',
  500: 'Internal error (logged; the problem reveals nothing)',
  503: 'Overloaded or the database does not answer (Retry-After)',
};

const problemRef = { $ref: '#/components/schemas/Problem' };
const retryAfter = { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `GET /api/v1/datasets/:id/records` → `getDatasetsByIdRecords`: stable, from the method and the route. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .flatMap((seg) => (seg.startsWith(':') || seg.startsWith('{') ? ['by', seg.replace(/[:{}]/g, '')] : [seg]))
    .flatMap((w) => w.split(/[^A-Za-z0-9]+/).filter(Boolean));
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  return method.toLowerCase() + (words.length ? words.map(cap).join('') : 'Root');
}

interface Naming {
  byIdentity: Map<object, string>;
  /** The components the document uses, by name: the route's schema object. */
  used: Map<string, object>;
}

const TITLE = /^[A-Z][A-Za-z0-9]*$/;

/** A copy of a route's schema for the document, its named parts replaced by references to components. */
function lift(schema: unknown, naming: Naming, root?: object): unknown {
  if (Array.isArray(schema)) return schema.map((s) => lift(s, naming));
  if (typeof schema !== 'object' || schema === null) return schema;
  const title = (schema as { title?: unknown }).title;
  const name = naming.byIdentity.get(schema) ?? (typeof title === 'string' && TITLE.test(title) ? title : undefined);
  if (name !== undefined && schema !== root) {
    const other = naming.used.get(name);
    if (other !== undefined && other !== schema && JSON.stringify(other) !== JSON.stringify(schema))
      throw new Error(`two different schemas are named ${name} in the OpenAPI document`);
    naming.used.set(name, schema);
    return { $ref: `#/components/schemas/${name}` };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = lift(v, naming);
  return out;
}

const liftParts = (schema: Json, naming: Naming): Json => {
  const out: Json = { ...schema };
  if (schema.body !== undefined) out.body = lift(schema.body, naming);
  if (schema.response !== undefined) out.response = lift(schema.response, naming);
  return out;
};

const routeKey = (method: string, url: string) => `${method.toUpperCase()} ${url}`;
const openapiUrl = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The components the routes use, once each; a component may use others (the loop runs until none is new). */
function emitComponents(schemas: Json, naming: Naming): void {
  const done = new Set<string>();
  while (done.size < naming.used.size) {
    for (const [name, schema] of [...naming.used]) {
      if (done.has(name)) continue;
      done.add(name);
      const { $id: _id, ...component } = JSON.parse(JSON.stringify(lift(schema, naming, schema))) as Json;
      schemas[name] = component;
    }
  }
}

type Operation = Json & { responses: Record<string, Json> };

/**
 * One operation finished: its id, security (`[]` when public), its error responses as application/problem+json,
 * the problems every such operation may answer (through shared responses, named in `shared`).
 */
function finishOperation(op: Operation, method: string, url: string, shedExempt: boolean, shared: Set<string>) {
  op.operationId ??= operationIdOf(method, url);
  op.security ??= [];
  const responses = op.responses;
  for (const [status, res] of Object.entries(responses)) {
    const described = SUCCESS[status] ?? PROBLEMS[status];
    if (res.description === 'Default Response' && described) res.description = described;
    const content = res.content as Record<string, unknown> | undefined;
    if (Number(status) >= 400 && content?.['application/json'] !== undefined)
      res.content = { 'application/problem+json': content['application/json'] };
  }
  const hasBody = op.requestBody !== undefined;
  const statuses = new Set(['400', '401', '429', '500']);
  if (Array.isArray(op.security) && op.security.length > 0) statuses.add('403');
  if (url.includes('{')) statuses.add('404');
  if (hasBody) statuses.add('413').add('415');
  if (!shedExempt) statuses.add('503');
  if (!hasBody && (method === 'get' || method === 'head')) {
    delete responses['413']; // no body is read, so it can be neither too large nor of the wrong type
    delete responses['415'];
  }
  for (const status of statuses) {
    if (responses[status] !== undefined) continue;
    responses[status] = { $ref: `#/components/responses/Problem${status}` };
    shared.add(status);
  }
}

/** The finishing of the document: every operation, alternate media types, the shared problem responses. */
function finish(doc: Doc, naming: Naming, exempt: Set<string>): Doc {
  const components = doc.components as { schemas?: Json; responses?: Json };
  emitComponents((components.schemas ??= {}), naming);
  const shared = new Set<string>();
  const applied = new Set<string>();
  const ids = new Set<string>();
  for (const [url, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      finishOperation(op, method, url, exempt.has(routeKey(method, url)), shared);
      const id = op.operationId as string;
      if (ids.has(id)) throw new Error(`operationId ${id} is used twice in the OpenAPI document`);
      ids.add(id);
      const alternateKey = routeKey(method, url.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1'));
      const alternate = ALTERNATE_MEDIA[alternateKey];
      const ok = op.responses['200'] as { content?: Json } | undefined;
      if (alternate && ok) {
        ok.content = { ...ok.content, ...alternate };
        applied.add(alternateKey);
      }
      op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
  }
  for (const key of Object.keys(ALTERNATE_MEDIA))
    if (!applied.has(key)) throw new Error(`ALTERNATE_MEDIA names ${key}, which is no operation with a 200 response`);
  components.responses = Object.fromEntries(
    [...shared].sort().map((status) => [
      `Problem${status}`,
      {
        description: PROBLEMS[status],
        ...(status === '429' || status === '503' ? { headers: { 'Retry-After': retryAfter } } : {}),
        content: { 'application/problem+json': { schema: problemRef } },
      },
    ]),
  );
  return doc;
}

/** The @fastify/swagger options: the document's frame and the hooks that finish it from the routes. */
export function openApiOptions(version: string): SwaggerOptions {
  const states = new WeakMap<object, Naming>();
  const exempt = new Set<string>();
  const naming = (doc: object): Naming => {
    let n = states.get(doc);
    if (!n) states.set(doc, (n = { byIdentity: namedSchemas(), used: new Map() }));
    return n;
  };
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'govshare API',
        description:
          'Government data sharing for public-health emergencies: the data standard, the catalog with data subjects, ingest, ' +
          'sharing by class with controlled, masked and audited access, a tamper-evident audit ledger (RFC 6962) and citizen transparency. ' +
          '政务数据共享平台：数据标准、数据主体目录、数据汇聚、分类共享与受控访问、防篡改审计日志、公民查询。Errors are RFC 9457 problem details ' +
          '(`application/problem+json`) with a stable `code`.',
        version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'Department API token (gst_...) or person token (gsp_...)',
          },
        },
      },
    },
    transform: (input) => {
      const { schema, url, route } = input;
      const openapiObject = (input as { openapiObject: object }).openapiObject;
      const r = route as RouteOptions;
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      if ((r.config as { shedExempt?: boolean } | undefined)?.shedExempt)
        for (const m of methods) exempt.add(routeKey(m, openapiUrl(url)));
      if (!schema) return { schema, url };
      return { schema: liftParts(schema as Json, naming(openapiObject)) as typeof schema, url };
    },
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: Doc }).openapiObject;
      const finished = finish(doc, naming(doc), exempt);
      // Served by the node it describes: paths are relative to where the document was fetched from.
      finished.servers = [{ url: '/', description: 'This govshare node' }];
      return finished as never;
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  };
}
