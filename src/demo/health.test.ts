import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { currentStatus } from '../healthcode/status/service.js';
import { subjectOf } from '../records/keys.js';
import { describeEachEngine } from '../testing/db.js';
import { client, startTestServer } from '../testing/server.js';
import { buildDemo } from './build.js';

describeEachEngine('demo province health codes', (getPlatform) => {
  test('the demo has residents of every colour, risk areas and a rule set the API shows', async () => {
    const p = await getPlatform();
    const dir = mkdtempSync(join(tmpdir(), 'govshare-demo-health-'));
    const server = await startTestServer(p);
    try {
      const s = await buildDemo(p, { persons: 2000, seed: 5 }, dir);
      assert.equal(s.health.processed, s.persons, 'every resident has a status');
      for (const colour of ['green', 'yellow', 'red'] as const) {
        assert.ok(s.health.colours[colour] > 0, `some residents are ${colour}`);
        const id = s.health.samples[colour];
        assert.ok(id, `a ${colour} sample`);
        const status = await currentStatus(p, subjectOf(p.ring, id));
        assert.equal(status.colour, colour);
        if (colour !== 'green') assert.ok(status.reasons.length > 0);
      }
      const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
      assert.deepEqual(Object.keys(creds.healthSamples).sort(), ['green', 'red', 'yellow']);
      const api = client(server.url);
      const inForce = await api('GET', '/api/v1/rule-sets/in-force');
      assert.equal(inForce.status, 200);
      assert.equal(inForce.body.ruleSet.id, 'GD-HEALTHCODE');
      const areas = await api('GET', '/api/v1/risk-areas?inForce=true');
      assert.equal(areas.body.total, 2);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
