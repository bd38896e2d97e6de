import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { pickLang } from '../core/i18n.js';
import { Problem } from '../core/problem.js';
import { routeOf } from './authn.js';
import type { App } from './types.js';

/** Problem titles for Chinese-speaking callers (details stay as written: they name fields and codes). */
const ZH_TITLES: Record<number, string> = {
  400: '请求有误',
  401: '需要身份认证',
  403: '无权执行此操作',
  404: '未找到',
  409: '与现有数据冲突',
  413: '请求内容过大',
  414: '请求地址过长',
  415: '不支持的内容类型',
  422: '内容无法处理',
  429: '请求过于频繁',
  500: '服务器内部错误',
  503: '服务暂不可用',
};

const BY_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_BAD_URL: 'invalid_characters',
  FST_ERR_MAX_PARAM_LENGTH: 'path_too_long',
};

/** Error messages that could quote the request (a JSON parser's excerpt, a raw path) are replaced by our own. */
function detailOf(code: string, fe: FastifyError, route: string | undefined): string {
  switch (code) {
    case 'unsupported_media_type':
      return `${fe.message}. Send application/json${route?.includes('/records') ? ', application/x-ndjson or text/csv' : ''}.`;
    case 'malformed_json': {
      const at = /at position (\d+)/.exec(fe.message)?.[1];
      return `The body is not valid JSON${at ? ` (at position ${at})` : ''}.`;
    }
    case 'invalid_characters':
      return 'The path is not valid percent-encoded UTF-8, or holds a NUL character.';
    case 'path_too_long':
      return 'A path segment is too long.';
    default:
      return fe.message;
  }
}

/** Any error as an RFC 9457 problem. `instance` is the route template, never the raw URL. */
export function toProblem(err: FastifyError | Problem | Error, route: string | undefined): Problem {
  if (err instanceof Problem) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const details = fe.validation.map((v) => {
      const path = v.instancePath || '';
      const extra =
        v.keyword === 'additionalProperties'
          ? ` (${String((v.params as { additionalProperty?: string }).additionalProperty).slice(0, 64)})`
          : '';
      return `${where}${path.replace(/\//g, '.')} ${v.message ?? 'is invalid'}${extra}`;
    });
    return new Problem({
      status: 400,
      code: 'validation_failed',
      title: 'Invalid request',
      detail: details.join('; '),
      extra: { errors: details },
    });
  }
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status === 500)
    return new Problem({
      status,
      code: 'internal_error',
      title: 'Internal error',
      detail: 'The server failed to handle the request; it has been logged.',
    });
  const code = BY_FASTIFY_CODE[fe.code] ?? (err instanceof SyntaxError ? 'malformed_json' : 'bad_request');
  return new Problem({ status, code, title: 'Bad request', detail: detailOf(code, fe, route) });
}

function send(req: FastifyRequest, reply: FastifyReply, err: Error): void {
  const route = routeOf(req);
  const p = toProblem(err as FastifyError, route);
  const body = p.toJSON(route);
  if (pickLang(req.headers['accept-language']) === 'zh-CN') body.title = ZH_TITLES[p.status] ?? body.title;
  if (p.status >= 500 && p.status !== 503) req.log.error({ err }, 'request failed');
  if (p.retryAfter !== undefined) void reply.header('retry-after', String(p.retryAfter));
  void reply.status(p.status).type('application/problem+json').send(body);
}

/** Errors, unknown routes and the router's own refusals (bad URL encoding) all answer problem+json. */
export function registerProblemHandlers(app: App): void {
  app.setErrorHandler((err, req, reply) => send(req, reply, err as Error));
  app.setNotFoundHandler(async (req) => {
    throw new Problem({
      status: 404,
      code: 'route_not_found',
      title: 'Not found',
      detail: `No ${req.method} route has this path.`,
    });
  });
}

/** For Fastify's `frameworkErrors` option: the router's errors (a path that does not decode) as problems. */
export const frameworkErrors = (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void =>
  send(req, reply, err);
