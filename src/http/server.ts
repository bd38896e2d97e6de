import Fastify, { type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { audit, makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { ANONYMOUS } from '../access/principal.js';
import { authenticate } from '../auth/tokens.js';
import { pickLang } from '../core/i18n.js';
import { Problem } from '../core/problem.js';
import { registerDepartmentRoutes } from '../departments/routes.js';
import { registerCatalogRoutes } from '../catalog/routes.js';
import { registerIngestRoutes } from '../ingest/routes.js';
import { registerRecordRoutes } from '../records/routes.js';
import { registerStandardRoutes } from '../standard/routes.js';
import { registerSharingRoutes, registerReportRoutes } from '../sharing/routes.js';
import { registerAuditRoutes } from '../audit/routes.js';
import { registerPersonRoutes } from '../persons/routes.js';
import { authenticatePerson, isPersonToken } from '../persons/tokens.js';
import { registerKeyRoutes } from '../keys/routes.js';
import { registerCodeRoutes } from '../healthcode/codes/routes.js';
import { registerAppealRoutes } from '../healthcode/appeals/routes.js';
import { registerRetentionRoutes } from '../healthcode/retention/routes.js';
import { registerRuleSetRoutes } from '../healthcode/rulesets/routes.js';
import { registerStatusRoutes } from '../healthcode/status/routes.js';
import { registerRiskAreaRoutes } from '../riskareas/routes.js';
import { registerFederationRoutes } from '../federation/routes.js';
import { ProblemSchema } from './context.js';
import { registerSystemRoutes } from './system.js';
import type { App } from './types.js';

export interface ServerOptions {
  platform: Platform;
  /** The field-key file (embedded mode), for rotation through the API. */
  keyFile?: string | undefined;
  logger?: boolean;
  /** Largest CSV or NDJSON upload accepted by one ingest request. */
  maxIngestBytes?: number;
  version?: string;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// Bodies are validated strictly (no coercion, unknown properties refused); query strings and path
// parameters arrive as text, so numbers and booleans there are coerced.
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes: coerce,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

function toProblem(
  err: FastifyError | Problem | Error,
  instance: string,
): { status: number; body: Record<string, unknown> } {
  if (err instanceof Problem) return { status: err.status, body: err.toJSON(instance) };
  const fe = err as FastifyError;
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const details = fe.validation.map((v) => {
      const path = v.instancePath || '';
      const extra =
        v.keyword === 'additionalProperties'
          ? ` (${String((v.params as { additionalProperty?: string }).additionalProperty)})`
          : '';
      return `${where}${path.replace(/\//g, '.')} ${v.message ?? 'is invalid'}${extra}`;
    });
    const p = new Problem({
      status: 400,
      code: 'validation_failed',
      title: 'Invalid request',
      detail: details.join('; '),
      extra: { errors: details },
    });
    return { status: 400, body: p.toJSON(instance) };
  }
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status === 500) {
    return {
      status,
      body: new Problem({
        status,
        code: 'internal_error',
        title: 'Internal error',
        detail: 'The server failed to handle the request; it has been logged.',
      }).toJSON(instance),
    };
  }
  const byCode: Record<string, string> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
    FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  };
  const code = byCode[fe.code] ?? (err instanceof SyntaxError ? 'malformed_json' : 'bad_request');
  const detail =
    code === 'unsupported_media_type'
      ? `${fe.message}. Send application/json${instance.includes('/records') ? ', application/x-ndjson or text/csv' : ''}.`
      : code === 'malformed_json'
        ? `The body is not valid JSON: ${fe.message}`
        : fe.message;
  return { status, body: new Problem({ status, code, title: 'Bad request', detail }).toJSON(instance) };
}

/** Problem titles for Chinese-speaking callers (details stay as written: they name fields and codes). */
const ZH_TITLES: Record<number, string> = {
  400: '请求有误',
  401: '需要身份认证',
  403: '无权执行此操作',
  404: '未找到',
  409: '与现有数据冲突',
  413: '请求内容过大',
  415: '不支持的内容类型',
  422: '内容无法处理',
  500: '服务器内部错误',
  503: '服务暂不可用',
};

export async function buildServer(opts: ServerOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ? { level: 'info', redact: ['req.headers.authorization'] } : false,
    bodyLimit: 1024 * 1024,
    maxParamLength: 600, // record handles (records/handles.ts) are longer than Fastify's default of 100
  }).withTypeProvider<TypeBoxTypeProvider>();

  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );

  app.addSchema(ProblemSchema);

  // CSV and NDJSON uploads stream straight into ingest; the handler reads them chunk by chunk.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson', 'application/ndjson'], (_req, payload, done) =>
    done(null, payload),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'govshare API',
        description:
          'Government data sharing for public-health emergencies: the data standard, the catalog with data subjects, ingest, ' +
          'sharing by class with controlled, masked and audited access, a tamper-evident audit ledger (RFC 6962) and citizen transparency. ' +
          '政务数据共享平台：数据标准、数据主体目录、数据汇聚、分类共享与受控访问、防篡改审计日志、公民查询。Errors are RFC 9457 problem details with a stable `code`.',
        version: opts.version ?? '0.1.0',
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
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const db = opts.platform.db;
  app.decorateRequest('ctx', null as never);
  app.addHook('onRequest', async (req) => {
    const lang = pickLang(req.headers['accept-language']);
    const header = req.headers.authorization;
    if (!header) {
      req.ctx = makeCtx(opts.platform, ANONYMOUS, lang);
      return;
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const token = m?.[1];
    const principal =
      token === undefined
        ? undefined
        : isPersonToken(token)
          ? await authenticatePerson(db, token)
          : await authenticate(db, token);
    if (!principal) {
      await audit(makeCtx(opts.platform, ANONYMOUS, lang), {
        action: 'auth.failed',
        outcome: 'denied',
        detail: { method: req.method, path: req.url.split('?')[0] },
      });
      throw new Problem({
        status: 401,
        code: 'invalid_token',
        title: 'Authentication failed',
        detail: 'The bearer token is unknown, revoked or expired.',
      });
    }
    req.ctx = makeCtx(opts.platform, principal, lang);
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toProblem(err as FastifyError, req.url);
    if (pickLang(req.headers['accept-language']) === 'zh-CN') body.title = ZH_TITLES[status] ?? body.title;
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.status(status).type('application/problem+json').send(body);
  });
  app.setNotFoundHandler(async (req) => {
    throw new Problem({
      status: 404,
      code: 'route_not_found',
      title: 'Not found',
      detail: `No route ${req.method} ${req.url.split('?')[0]}.`,
    });
  });

  registerSystemRoutes(app, db);
  registerStandardRoutes(app);
  registerDepartmentRoutes(app);
  registerCatalogRoutes(app);
  registerIngestRoutes(app, { maxIngestBytes: opts.maxIngestBytes ?? 4 * 1024 ** 3 });
  registerRecordRoutes(app);
  registerSharingRoutes(app);
  registerReportRoutes(app);
  registerAuditRoutes(app);
  registerPersonRoutes(app);
  registerKeyRoutes(app, { keyFile: opts.keyFile });
  registerRuleSetRoutes(app);
  registerRiskAreaRoutes(app);
  registerStatusRoutes(app);
  registerCodeRoutes(app);
  registerAppealRoutes(app);
  registerRetentionRoutes(app);
  registerFederationRoutes(app);
  return app;
}
