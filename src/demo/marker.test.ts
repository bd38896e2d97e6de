import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { storageArgs } from '../testing/cli-process.js';
import { testEngines } from '../testing/db.js';
import { runDemo } from './build.js';
import { demoInterrupted, markDemoBuilding, MARKER_FILE } from './marker.js';

for (const engine of testEngines()) {
  test(`govshare demo after a build cut short (the marker left): the partial province is replaced without --reset [${engine}]`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govshare-marker-'));
    const storage = storageArgs(engine, dir);
    try {
      const config = loadConfig(
        { dataDir: dir, persons: 20, databaseUrl: storage.databaseUrl, dbSchema: storage.schema },
        {},
      );
      await runDemo({ config });
      await assert.rejects(runDemo({ config }), /already holds departments/, 'a finished province is kept');
      // A rebuild cut short after it began: the database holds departments, and the marker says they are partial.
      markDemoBuilding(dir);
      assert.ok(!existsSync(join(dir, 'demo-credentials.json')), 'the old credentials go when a build begins');
      const summary = await runDemo({ config });
      assert.equal(summary.persons, 20);
      assert.ok(existsSync(summary.credentialsFile));
      assert.ok(!demoInterrupted(dir) && !existsSync(join(dir, MARKER_FILE)), 'the marker goes after the build');
    } finally {
      await storage.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
