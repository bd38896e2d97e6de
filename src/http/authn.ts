import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { makeCtx } from '../access/context.js';
import { ANONYMOUS, type Principal } from '../access/principal.js';
import { authenticate } from '../auth/tokens.js';
import { pickLang } from '../core/i18n.js';
import { Problem, tooManyRequests, unauthorized } from '../core/problem.js';
import type { Platform } from '../platform/platform.js';
import { authenticatePerson, isPersonToken } from '../persons/tokens.js';
import { clientOf, FailedAuthLog } from './authfail.js';
import type { App } from './types.js';

/** The route template of a request (`/api/v1/datasets/:id/records/:handle`), undefined when no route matched. */
export const routeOf = (req: FastifyRequest): string | undefined => req.routeOptions.url;

/** Whether the route's schema declares `security`, i.e. it needs a caller (decided once per route). */
const needsCaller = (req: FastifyRequest): boolean => req.routeOptions.config?.needsCaller === true;

async function principalOf(platform: Platform, header: string): Promise<Principal | undefined> {
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (token === undefined) return undefined;
  return isPersonToken(token) ? authenticatePerson(platform.db, token) : authenticate(platform.db, token);
}

/**
 * Authentication, the first thing every request goes through after load shedding: the bearer token becomes the
 * request's principal. A failed authentication is counted (FailedAuthLog, one ledger entry per source and minute)
 * and limited per client address (@fastify/rate-limit): past the limit the answer is 429 with Retry-After;
 * requests that authenticate are never counted. A route that declares `security` refuses an anonymous caller with
 * 401 here, before its body is read or its query validated.
 */
export async function registerAuthentication(
  app: App,
  platform: Platform,
  opts: { failuresPerMinute: number },
): Promise<void> {
  const failures = new FailedAuthLog(platform, (err) => app.log.error({ err }, 'auth.failed entries not written'));
  app.addHook('onClose', async () => failures.close());
  app.decorate('flushFailedAuthentications', () => failures.flush(true));
  await app.register(rateLimit, { global: false });
  const failureLimit = app.createRateLimit({
    max: opts.failuresPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `auth.failed:${clientOf(req.ip)}`,
  });

  app.addHook('onRoute', (route) => {
    const security = (route.schema as { security?: unknown[] } | undefined)?.security;
    route.config = { ...route.config, needsCaller: Array.isArray(security) && security.length > 0 };
  });

  app.decorateRequest('ctx', null as never);
  app.addHook('onRequest', async (req) => {
    const lang = pickLang(req.headers['accept-language']);
    const header = req.headers.authorization;
    const principal = header === undefined ? ANONYMOUS : await principalOf(platform, header);
    if (!principal) {
      failures.record(clientOf(req.ip), req.method, routeOf(req));
      const limit = await failureLimit(req);
      if (!limit.isAllowed && limit.isExceeded)
        throw tooManyRequests(
          'too_many_failed_authentications',
          `Too many failed authentications from this address; try again in ${limit.ttlInSeconds} s.`,
          limit.ttlInSeconds,
        );
      throw new Problem({
        status: 401,
        code: 'invalid_token',
        title: 'Authentication failed',
        detail: 'The bearer token is unknown, revoked or expired.',
      });
    }
    if (principal.kind === 'anonymous' && needsCaller(req))
      throw unauthorized('This needs a bearer token (Authorization: Bearer <token>).');
    req.ctx = makeCtx(platform, principal, lang);
  });
}
