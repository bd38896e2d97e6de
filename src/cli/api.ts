import { ApiError, CliError, isProblem } from './errors.js';
import type { Io } from './io.js';
import type { ServerOptions } from './server-options.js';

export type Body = NonNullable<RequestInit['body']>;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  query?: Query;
  /** Sent as application/json. */
  json?: unknown;
  /** A raw body (a web stream is sent with duplex: 'half'). */
  body?: Body;
  contentType?: string;
  /** The Accept header; JSON and problem JSON unless told. */
  accept?: string;
}

/** Error codes found anywhere in an error's cause chain (fetch wraps socket errors, sometimes in an AggregateError). */
export function errorCodes(err: unknown, seen = new Set<unknown>()): string[] {
  if (typeof err !== 'object' || err === null || seen.has(err)) return [];
  seen.add(err);
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, seen)) : [];
  return [...own, ...errorCodes(e.cause, seen), ...nested];
}

export function unreachableMessage(url: string): string {
  return `cannot reach govshare at ${url} — is the server running? (govshare start)`;
}

function portOf(base: string): string {
  try {
    return new URL(base).port;
  } catch {
    return '?';
  }
}

/** Turns a failed fetch (no HTTP answer at all) into a message. */
export function fetchFailure(err: unknown, base: string, target: string): CliError {
  const codes = errorCodes(err);
  if (codes.includes('ECONNREFUSED')) return new CliError(unreachableMessage(base));
  const cause = (err as { cause?: { message?: unknown } }).cause;
  if (cause?.message === 'bad port') {
    // fetch never connects to ports on the Fetch standard's block list (9, 25, 6000, ...).
    return new CliError(
      `cannot reach govshare at ${base} — fetch refuses to connect to port ${portOf(base)} (a blocked port); run the server on another port`,
    );
  }
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN'))
    return new CliError(`cannot resolve the host of ${base}`);
  if (cause?.message === 'unexpected redirect')
    return new CliError(`${target} answered with a redirect; give the server's final address in --url`);
  const why = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
  return new CliError(`request to ${target} failed: ${why}`);
}

/** A thin client of the govshare HTTP API. */
export class Api {
  readonly server: ServerOptions;
  private readonly io: Io;

  constructor(io: Io, server: ServerOptions) {
    this.io = io;
    this.server = server;
  }

  urlOf(path: string, query: Query = {}): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    return `${this.server.url}${path}${s ? `?${s}` : ''}`;
  }

  private init(method: string, spec: RequestSpec): RequestInit & { duplex?: 'half' } {
    const headers: Record<string, string> = {
      accept: spec.accept ?? 'application/json, application/problem+json',
      'accept-language': this.server.lang,
    };
    if (this.server.token) headers.authorization = `Bearer ${this.server.token}`;
    let body = spec.body;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    }
    if (spec.contentType) headers['content-type'] = spec.contentType;
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (body !== undefined) {
      init.body = body;
      if (body instanceof ReadableStream) {
        init.duplex = 'half';
        // Following redirects makes fetch clone the request, teeing the stream into a branch nobody
        // reads: the whole upload would pile up in memory. A streamed upload cannot be replayed anyway.
        init.redirect = 'error';
      }
    }
    return init;
  }

  /** The error for a non-2xx answer: the API's problem when it sent one. */
  private failure(method: string, target: string, res: Response, parsed: unknown): CliError {
    if (isProblem(parsed)) {
      const hint =
        parsed.status === 401 && !this.server.token ? 'no token given: pass --token or set GOVSHARE_TOKEN' : undefined;
      return new ApiError(parsed, hint);
    }
    return new CliError(`${method} ${target} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }

  /** Sends a request; resolves with the parsed body of a 2xx answer, throws ApiError or CliError otherwise. */
  async request<T>(method: string, path: string, spec: RequestSpec = {}): Promise<T> {
    const target = this.urlOf(path, spec.query);
    let res: Response;
    let text: string;
    try {
      res = await this.io.fetch(target, this.init(method, spec));
      text = await res.text();
    } catch (err) {
      throw fetchFailure(err, this.server.url, `${method} ${target}`);
    }
    const parsed = parseBody(text);
    if (res.ok) return parsed as T;
    throw this.failure(method, target, res, parsed);
  }

  /**
   * Sends a request and yields the non-empty lines of a 2xx answer as they arrive (for NDJSON), never holding
   * the whole answer; an error answer throws as `request` does.
   */
  async *lines(method: string, path: string, spec: RequestSpec = {}): AsyncGenerator<string> {
    const target = this.urlOf(path, spec.query);
    let res: Response;
    try {
      res = await this.io.fetch(target, this.init(method, spec));
    } catch (err) {
      throw fetchFailure(err, this.server.url, `${method} ${target}`);
    }
    if (!res.ok) {
      let text = '';
      try {
        text = await res.text();
      } catch {
        // the status line is all there is to report
      }
      throw this.failure(method, target, res, parseBody(text));
    }
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          const why = (err as { cause?: { message?: unknown } }).cause?.message ?? (err as Error).message;
          throw new CliError(`the answer to ${method} ${target} broke off: ${String(why)}`);
        }
        if (chunk.done) break;
        const parts = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) if (line.trim() !== '') yield line;
      }
      rest += decoder.decode();
      if (rest.trim() !== '') yield rest;
    } finally {
      // A consumer that stops early (an error, a closed pipe) must not leave the download running.
      reader.releaseLock();
      await res.body.cancel().catch(() => undefined);
    }
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
