// Bad input is a 4xx, never a 500: every route of the OpenAPI document, a set of bad values in each path
// parameter, query parameter and top-level body property (and as the whole body), with an administrator's token
// and without one, against the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { sharingFixture } from '../testing/fixtures.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';

/** Already percent-encoded, put into the URL as they are. */
const URL_VALUES = [
  '%00',
  'a%00b',
  '%ED%A0%80', // a lone surrogate, as CESU-8
  '%F0%28%8C%28', // not UTF-8
  '%',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '1e308',
  'Infinity',
  '-Infinity',
  'NaN',
  '-1',
  'x'.repeat(4000),
  '%E4%B8%AD%E6%96%87',
  '%5B%5D',
];

/** Raw JSON texts (so that 1e400 stays what a client can send). */
const JSON_VALUES = [
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"x\\udc00y"',
  '99999999999999999999',
  '9007199254740993',
  '2147483648',
  '1e308',
  '1e400',
  '-1e400',
  '-1',
  '1.5',
  `"${'x'.repeat(20_000)}"`,
  'null',
  'true',
  '[]',
  '{}',
  '"Infinity"',
  '"2026-13-45T99:99:99Z"',
  `${'['.repeat(200)}1${']'.repeat(200)}`,
  '{"a":{"b":[{"c":"\\u0000"}]}}',
  '["\\ud800", 1e308, {"__proto__": {"x": 1}}]',
];

const WHOLE_BODIES = [
  '"\\u0000"',
  '[]',
  '1e400',
  'null',
  '{"__proto__":{"x":1}}',
  `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`,
];

type Schema = Record<string, any>;

function resolve(doc: any, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    const name = cur.$ref.replace('#/components/schemas/', '');
    cur = doc.components?.schemas?.[name];
  }
  return cur;
}

/** A plausible value for a schema, so that one bad property is what a request gets wrong. */
function sample(doc: any, raw: Schema | undefined, depth = 0): unknown {
  const s = resolve(doc, raw);
  if (!s || depth > 4) return 'x';
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf ?? s.allOf;
  if (Array.isArray(alt) && alt.length) return sample(doc, alt[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      if (s.format === 'date') return '2026-12-01';
      if (s.format === 'uri') return 'http://127.0.0.1:9/';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(doc, s.items, depth + 1));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sample(doc, s.properties?.[k], depth + 1);
      return out;
    }
    default:
      return 'x';
  }
}

interface Case {
  method: string;
  url: string;
  body?: string;
  token?: string;
}

describeEachEngine('bad input is a 4xx, never a 500', (getPlatform) => {
  let server: TestServer;
  let admin: string;
  let dataset: string;
  before(async () => {
    const platform = await getPlatform();
    server = await startTestServer(platform);
    admin = (await makeDepartment(platform.db, { role: 'admin' })).token;
    dataset = (await sharingFixture(platform, server.url)).ds.unconditional;
  });
  after(async () => server.close());

  test('every route, every parameter and body property, every bad value: answered below 500', async () => {
    const doc = (await client(server.url)('GET', '/openapi.json')).body;
    const cases: Case[] = [];
    for (const [template, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const params: any[] = op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
        const queryParams = params.filter((p) => p.in === 'query').map((p) => p.name as string);
        const bodySchema = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
        const baseBody = bodySchema ? (sample(doc, bodySchema) as Record<string, unknown>) : undefined;
        const baseline = (name: string) => (name === 'id' && template.startsWith('/api/v1/datasets/') ? dataset : 'x');
        const urlWith = (param?: string, value?: string, query?: string) =>
          template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === param ? value! : baseline(name))) +
          (query ? `?${query}` : '');
        const secured = (op.security?.length ?? 0) > 0;
        const tokens = secured ? [admin, undefined] : [undefined, admin];
        for (const token of tokens) {
          // Without the token on a secured route the answer is 401 whatever the input; a few values suffice.
          const values = token === undefined && secured ? URL_VALUES.slice(0, 3) : URL_VALUES;
          const jsonValues = token === undefined && secured ? JSON_VALUES.slice(0, 3) : JSON_VALUES;
          const body = baseBody === undefined ? undefined : JSON.stringify(baseBody);
          const add = (c: Omit<Case, 'token'>) => cases.push(token ? { ...c, token } : c);
          for (const p of pathParams) for (const v of values) add({ method, url: urlWith(p, v), body });
          for (const q of queryParams)
            for (const v of values) add({ method, url: urlWith(undefined, '', `${q}=${v}`), body });
          if (baseBody !== undefined && bodySchema) {
            const props = Object.keys(resolve(doc, bodySchema)?.properties ?? {});
            // Each property gets a rotating third of the values: across a route's properties all are sent.
            props.forEach((prop, i) => {
              for (const v of jsonValues.filter((_v, j) => (j + i) % 3 === 0)) {
                const rest = JSON.stringify({ ...baseBody, [prop]: undefined });
                const text = rest === '{}' ? `{"${prop}":${v}}` : `{"${prop}":${v},${rest.slice(1)}`;
                add({ method, url: urlWith(), body: text });
              }
            });
            for (const b of WHOLE_BODIES) add({ method, url: urlWith(), body: b });
          }
        }
      }
    }
    assert.ok(cases.length > 1000, `${cases.length} cases`);

    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const headers: Record<string, string> = {};
        if (c.token) headers.authorization = `Bearer ${c.token}`;
        if (c.body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(server.url + c.url, {
          method: c.method.toUpperCase(),
          headers,
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
        const text = await res.text();
        if (res.status >= 500)
          failures.push(
            `${res.status} ${c.method.toUpperCase()} ${c.url.slice(0, 120)} ${c.token ? 'admin' : 'anon'} ${(c.body ?? '').slice(0, 80)} -> ${text.slice(0, 160)}`,
          );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} answered 5xx`);
  });
});
