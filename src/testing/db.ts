// Test databases: every test file gets its own PGlite (started from a migrated template) and, when
// TEST_DATABASE_URL is set, its own schema on that PostgreSQL server. Both are dropped at the end.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, describe } from 'node:test';
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { loadMigrations, migrate } from '../db/migrate.js';
import type { Db, Engine } from '../db/types.js';
import { seedBaseline } from '../standard/registry.js';
import { BASELINE_ELEMENTS } from '../standard/index.js';
import { Keyring } from '../crypto/keyring.js';
import { platformOn, type RunningPlatform } from '../node/platform.js';

const CACHE = fileURLToPath(new URL('../../.cache/', import.meta.url));

async function pgliteTemplate(): Promise<Blob> {
  const hash = createHash('sha256')
    .update(JSON.stringify(loadMigrations()))
    .update(JSON.stringify(BASELINE_ELEMENTS))
    .digest('hex')
    .slice(0, 16);
  const file = `${CACHE}pglite-template-${hash}.tar`;
  if (!existsSync(file)) {
    const db = await openPglite();
    await migrate(db);
    await seedBaseline(db);
    const blob = await db.dump();
    await db.close();
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, file);
  }
  return new Blob([readFileSync(file)]);
}

export async function openTestDb(engine: Engine): Promise<Db> {
  if (engine === 'pglite') {
    const db = await openPglite({ loadDataDir: await pgliteTemplate() });
    await migrate(db);
    return db;
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openPostgres({ url, schema, max: 4 });
  await migrate(db);
  await seedBaseline(db);
  const close = db.close.bind(db);
  return {
    ...db,
    async close() {
      await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await close();
    },
  };
}

/** The engines this run covers: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testEngines(): Engine[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Runs a suite once per engine. `getDb()` returns that engine's database, opened on first use and shared by the
 * suite's tests (they isolate themselves by the rows they create); it is closed after the file.
 */
export function describeEachEngine(
  name: string,
  body: (getPlatform: () => Promise<RunningPlatform>, engine: Engine) => void,
): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let platform: Promise<RunningPlatform> | undefined;
      const getPlatform = () => (platform ??= openTestPlatform(engine));
      after(async () => {
        if (platform) await (await platform).close();
      });
      body(getPlatform, engine);
    });
  }
}

/** A platform over a fresh test database, with its own field keys; close() closes the database too. */
export async function openTestPlatform(engine: Engine, ring = Keyring.generate()): Promise<RunningPlatform> {
  const db = await openTestDb(engine);
  const p = platformOn(db, { ring });
  return {
    ...p,
    async close() {
      await p.close();
      await db.close();
    },
  };
}
