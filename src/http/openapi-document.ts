import { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import { buildServer } from './server.js';

/** A database that refuses every use: building the routes and their document needs none. */
const noDatabase = new Proxy({} as Db, {
  get(_target, prop) {
    if (prop === 'engine') return 'pglite';
    if (prop === 'then') return undefined;
    return () => {
      throw new Error(`the OpenAPI document was built without a database (${String(prop)})`);
    };
  },
});

/** The document `/openapi.json` serves, from a server that is built but never listens. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const platform: Platform = {
    db: noDatabase,
    ring: Keyring.generate(),
    audit: { append: () => Promise.reject(new Error('the OpenAPI document was built without a ledger')) },
    settings: {
      answerWorkingDays: 10,
      region: '440000',
      codeTtlSeconds: 300,
      retentionDays: 21,
      federation: { role: 'standalone', hubUrl: undefined, hubKey: undefined, syncMs: 30_000 },
    },
  };
  const app = await buildServer({ platform, logger: false });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
