import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

test('the demo is built by default only on the embedded database, never silently on PostgreSQL', () => {
  assert.equal(loadConfig({}, {}).demo, true, 'PGlite: demo by default');
  assert.equal(loadConfig({}, { DATABASE_URL: 'postgres://x' }).demo, false, 'PostgreSQL: no demo by default');
  assert.equal(loadConfig({ databaseUrl: 'postgres://x' }, {}).demo, false);
  assert.equal(loadConfig({ databaseUrl: 'postgres://x', demo: true }, {}).demo, true, '--demo asks for it');
  assert.equal(loadConfig({}, { DATABASE_URL: 'postgres://x', GOVSHARE_DEMO: '1' }).demo, true);
  assert.equal(loadConfig({ demo: false }, {}).demo, false, '--no-demo still works');
  assert.equal(loadConfig({}, { GOVSHARE_DEMO: '0' }).demo, false);
  assert.throws(() => loadConfig({}, { GOVSHARE_DEMO: 'yes' }), /GOVSHARE_DEMO must be 1 or 0/);
});
