import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Platform } from '../platform/platform.js';
import { registerDepartmentRoutes } from '../departments/routes.js';
import { registerCatalogRoutes } from '../catalog/routes.js';
import { registerIngestRoutes } from '../ingest/routes.js';
import { registerRecordRoutes } from '../records/routes.js';
import { registerStandardRoutes } from '../standard/routes.js';
import { registerCalendarRoutes } from '../sharing/calendar/routes.js';
import { registerSharingRoutes, registerReportRoutes } from '../sharing/routes.js';
import { registerAuditRoutes } from '../audit/routes.js';
import { registerPersonRoutes } from '../persons/routes.js';
import { registerKeyRoutes } from '../keys/routes.js';
import { registerCodeRoutes } from '../healthcode/codes/routes.js';
import { registerAppealRoutes } from '../healthcode/appeals/routes.js';
import { registerRetentionRoutes } from '../healthcode/retention/routes.js';
import { registerRuleSetRoutes } from '../healthcode/rulesets/routes.js';
import { registerStatusRoutes } from '../healthcode/status/routes.js';
import { registerRiskAreaRoutes } from '../riskareas/routes.js';
import { registerFederationRoutes } from '../federation/routes.js';
import { registerAuthentication } from './authn.js';
import { ProblemSchema } from './context.js';
import { frameworkErrors, registerProblemHandlers } from './errors.js';
import { finiteOnly, registerInputChecks } from './input.js';
import { edgeLimitsFrom, type EdgeLimits } from './limits.js';
import { loggerOptions } from './logging.js';
import { openApiOptions } from './openapi.js';
import { registerLoadShedding } from './shedding.js';
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
  /** Load shedding and the failed-authentication limit; by default from the environment (limits.ts). */
  limits?: Partial<EdgeLimits>;
  /** Where `logger` writes (stdout by default). */
  logStream?: { write(s: string): unknown };
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
    strictNumbers: true, // NaN and Infinity are not numbers
  });
  addFormats(ajv);
  return ajv;
}

export async function buildServer(opts: ServerOptions): Promise<App> {
  const limits = { ...edgeLimitsFrom(), ...opts.limits };
  const app = Fastify({
    logger: loggerOptions(opts.logStream, opts.logger === true),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 600 }, // record handles (records/handles.ts) are longer than the default 100
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // In this order for every request: shed load, authenticate (401 before anything is parsed), check characters.
  await registerLoadShedding(app, limits);
  await registerAuthentication(app, opts.platform, { failuresPerMinute: limits.authFailuresPerMinute });
  registerInputChecks(app);
  registerProblemHandlers(app);

  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : finiteOnly(coercing.compile(schema)),
  );

  app.addSchema(ProblemSchema);

  // CSV and NDJSON uploads stream straight into ingest; the handler reads them chunk by chunk.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson', 'application/ndjson'], (_req, payload, done) =>
    done(null, payload),
  );

  await app.register(swagger, openApiOptions(opts.version ?? '0.1.0'));
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const db = opts.platform.db;
  registerSystemRoutes(app, db);
  registerStandardRoutes(app);
  registerDepartmentRoutes(app);
  registerCatalogRoutes(app);
  registerIngestRoutes(app, { maxIngestBytes: opts.maxIngestBytes ?? 4 * 1024 ** 3 });
  registerRecordRoutes(app);
  registerSharingRoutes(app);
  registerCalendarRoutes(app);
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
