import type { FastifyServerOptions } from 'fastify';

// Request logs (`--log`) carry no personal data: a request is logged by its method and route template, never its
// URL or query string (which can hold ID numbers), nor the client address; the authorization header is not
// logged; and every line is scrubbed of anything shaped like an ID number or a mobile number before it is written
// (error messages from deeper layers can quote values).

import { scrubPersonal } from '../core/redact.js';

export { scrubPersonal };

/** A pino destination that scrubs each line, then writes it to `out`. */
export function scrubbingStream(out: { write(s: string): unknown }): { write(s: string): void } {
  return { write: (s) => void out.write(scrubPersonal(s)) };
}

/**
 * Fastify's logger options: with `--log` every request (level info, to stdout); without it only errors, such as a
 * 500 (level error, to stderr), so a failure is never silent.
 */
export function loggerOptions(out?: { write(s: string): unknown }, requests = true): FastifyServerOptions['logger'] {
  return {
    level: requests ? 'info' : 'error',
    stream: scrubbingStream(out ?? (requests ? process.stdout : process.stderr)),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
    serializers: {
      req: (req: { method: string; routeOptions?: { url?: string | undefined } }) => ({
        method: req.method,
        route: req.routeOptions?.url ?? '(no route)',
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // Only what explains an error: database errors also carry the statement's parameters, which can be personal.
      err: (err: Error & { code?: unknown }) => ({
        type: err.name,
        message: err.message,
        ...(typeof err.code === 'string' ? { code: err.code } : {}),
        stack: err.stack ?? '',
      }),
    },
  };
}
