import { Type } from '@sinclair/typebox';
import type { Db } from '../db/types.js';
import { Problem } from '../core/problem.js';
import type { App } from './types.js';

export function registerSystemRoutes(app: App, db: Db): void {
  app.get(
    '/healthz',
    {
      config: { shedExempt: true }, // liveness answers even under overload (shedding.ts)
      schema: { tags: ['system'], summary: 'Process alive', response: { 200: Type.Object({ status: Type.String() }) } },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Database reachable',
        response: { 200: Type.Object({ status: Type.String(), engine: Type.String() }) },
      },
    },
    async () => {
      try {
        await db.query('SELECT 1');
      } catch {
        throw new Problem({
          status: 503,
          code: 'database_unavailable',
          title: 'Not ready',
          detail: 'The database does not answer.',
        });
      }
      return { status: 'ready', engine: db.engine };
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
}
