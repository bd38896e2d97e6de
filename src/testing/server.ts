import type { Db } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import { insertDepartment } from '../departments/service.js';
import type { DepartmentInput } from '../departments/schema.js';
import { insertToken } from '../auth/tokens.js';
import { buildServer, type ServerOptions } from '../http/server.js';
import { generateCreditCode } from '../standard/index.js';

export interface TestServer {
  url: string;
  close(): Promise<void>;
  /** Writes the failed authentications counted so far to the ledger (else written per minute, or at close). */
  flushAudit(): Promise<void>;
}

/** The real HTTP server on a loopback port. */
export async function startTestServer(
  platform: Platform,
  opts: Omit<ServerOptions, 'platform'> = {},
): Promise<TestServer> {
  const app = await buildServer({ platform, ...opts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => app.close(),
    flushAudit: () => app.flushFailedAuthentications(),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small fetch wrapper: JSON in, JSON (or problem+json) out. */
export function client(url: string, token?: string) {
  return async function api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    };
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ReadableStream) {
        init.body = body as NonNullable<RequestInit['body']>;
        if (body instanceof ReadableStream) init.duplex = 'half';
      } else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
}

let counter = 0;

/** A department with a token, unique within the database. */
export async function makeDepartment(
  db: Db,
  opts: { role?: 'admin' | 'department'; region?: string } = {},
): Promise<{ id: string; token: string; tokenId: string }> {
  counter += 1;
  const id = `t${process.pid.toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
  const org = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  const region = opts.region ?? '440106';
  const input: DepartmentInput = {
    id,
    name: { 'zh-CN': `测试部门${counter}`, en: `Test department ${counter}` },
    creditCode: generateCreditCode(`11${region}${org}`),
    level: 'district',
    region,
    role: opts.role ?? 'department',
  };
  await insertDepartment(db, input);
  const t = await insertToken(db, id, 'test', null);
  return { id, token: t.token, tokenId: t.id };
}
