// A person's data leaving the node is in that person's access log: a case reported in Guangdong about a Beijing
// resident is sent to Beijing (their home region), and the message is audited in Guangdong with the person as the
// entry's subject, naming the recipient region and the purpose. Real node processes (a hub and two regions) on
// loopback, on PGlite or, when TEST_DATABASE_URL is set, PostgreSQL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCitizenId } from '../standard/index.js';
import { eventually, startCluster, type Cluster, type NodeProcess } from '../testing/cluster.js';
import { client } from '../testing/server.js';

const GD = '440000';
const BJ = '110000';
const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

const tokensOf = (n: NodeProcess): Record<string, string> =>
  (JSON.parse(readFileSync(join(n.dataDir, 'demo-credentials.json'), 'utf8')) as { tokens: Record<string, string> })
    .tokens;

describe(`federation disclosures in the access log [${engine}]`, { timeout: 600_000 }, () => {
  let c: Cluster;
  let gd: NodeProcess;
  before(async () => {
    c = await startCluster([GD, BJ], { syncSeconds: 1, persons: 20 });
    gd = c.regions[GD]!;
    await eventually(
      async () => {
        const s = (await client(gd.url, gd.adminToken)('GET', '/api/v1/federation/status')).body;
        assert.deepEqual(s.peers.map((p: { region: string }) => p.region).sort(), [BJ, GD]);
      },
      { what: 'Guangdong has the national trust list' },
    );
  });
  after(async () => c?.stop());

  test("a case sent to the person's home region appears in that person's access log, naming region and purpose", async () => {
    const citizenId = generateCitizenId('110105', '19880808', 417);
    const other = generateCitizenId('110105', '19880809', 418);
    const ingest = await client(gd.url, tokensOf(gd)['gd-cdc'])('POST', '/api/v1/datasets/case-reports/records', [
      {
        case_id: `K${Date.now()}`,
        citizen_id: citizenId,
        diagnosis: 'confirmed',
        report_time: new Date(Date.now() - 3_600_000).toISOString(),
        division_code: '440106',
      },
    ]);
    assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
    assert.equal(ingest.body.rowsRejected, 0);

    const issued = await client(gd.url, gd.adminToken)('POST', '/api/v1/persons/tokens', { citizenId });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const me = client(gd.url, issued.body.token);
    const item = await eventually(
      async () => {
        const log = await me('GET', '/api/v1/me/access-log');
        assert.equal(log.status, 200, JSON.stringify(log.body));
        const found = log.body.items.find((x: { action: string }) => x.action === 'records.disclosed');
        assert.ok(found, JSON.stringify(log.body.items.map((x: { action: string }) => x.action)));
        return found;
      },
      { what: 'the disclosure is in the access log' },
    );
    assert.equal(item.dataset, 'case-reports');
    assert.equal(item.purpose, 'epidemic_control');
    assert.ok(item.fields.includes('diagnosis'), JSON.stringify(item.fields));
    const entry = JSON.parse(item.entry);
    assert.equal(entry.detail.to, BJ, 'the entry names the recipient region');
    assert.equal(entry.detail.type, 'case');
    assert.equal(entry.detail.mode, 'system');
    assert.equal(entry.detail.job, 'federation.events');
    assert.match(entry.detail.message, /\S/);
    assert.ok(!item.entry.includes(citizenId), 'no ID number in the entry');

    // Nobody else's log shows it.
    const otherToken = await client(gd.url, gd.adminToken)('POST', '/api/v1/persons/tokens', { citizenId: other });
    const theirs = await client(gd.url, otherToken.body.token)('GET', '/api/v1/me/access-log');
    assert.equal(
      theirs.body.items.filter((x: { action: string }) => x.action === 'records.disclosed').length,
      0,
      JSON.stringify(theirs.body.items),
    );
  });
});
