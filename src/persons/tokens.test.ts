// Issuing a person token writes no identity; capture is an explicit, audited step, only where it serves its purpose.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describeEachEngine, openTestDb } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { platformOn, type RunningPlatform } from '../node/platform.js';
import { Keyring } from '../crypto/keyring.js';
import { kidOf } from '../keys/signing.js';
import { subjectOf } from '../records/keys.js';
import { setState } from '../federation/state.js';
import { generateCitizenId } from '../standard/index.js';
import type { Db } from '../db/types.js';

const identities = async (db: Db) =>
  (await db.query('SELECT subject, citizen_id FROM hc_identities ORDER BY subject')).rows;

describeEachEngine('person tokens and identity capture', (getPlatform, engine) => {
  let standalone: RunningPlatform;
  let region: RunningPlatform;
  let regionDb: Db;
  let servers: TestServer[] = [];
  let seq = 700;
  const beijinger = () => generateCitizenId('110105', '19850505', ++seq);
  const cantonese = () => generateCitizenId('440106', '19860606', ++seq);

  before(async () => {
    standalone = await getPlatform();
    regionDb = await openTestDb(engine);
    region = platformOn(regionDb, {
      ring: Keyring.generate(),
      settings: {
        region: '440000',
        federation: { role: 'region', hubUrl: 'http://127.0.0.1:9', hubKey: undefined, syncMs: 3_600_000 },
      },
    });
    // A kept national list naming Guangdong and Beijing (what the region holds after a sync).
    const regionDoc = (r: string) => {
      const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
      return { region: r, url: 'http://127.0.0.1:9', kid: kidOf(der), publicKey: der.toString('base64') };
    };
    await setState(regionDb, 'region.national', {
      signed: {
        list: {
          version: 1,
          issuedAt: new Date().toISOString(),
          issuer: '100000',
          entries: [],
          regions: [regionDoc('110000'), regionDoc('440000')],
        },
        signature: { alg: 'ES256', kid: 'x', value: 'x' },
      },
      fetchedAt: new Date().toISOString(),
    });
    servers = [await startTestServer(standalone), await startTestServer(region)];
  });
  after(async () => {
    for (const s of servers) await s.close();
    await region?.close();
    await regionDb?.close();
  });

  const issue = async (p: RunningPlatform, server: TestServer, body: Record<string, unknown>) => {
    const admin = await makeDepartment(p.db, { role: 'admin' });
    const r = await client(server.url, admin.token)('POST', '/api/v1/persons/tokens', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as { token: string; subject: string; identityCaptured?: boolean };
  };

  test('issuing a person token leaves hc_identities unchanged (standalone and region nodes)', async () => {
    const before1 = await identities(standalone.db);
    await issue(standalone, servers[0]!, { citizenId: cantonese() });
    await issue(standalone, servers[0]!, { citizenId: beijinger() });
    assert.deepEqual(await identities(standalone.db), before1);
    const before2 = await identities(region.db);
    await issue(region, servers[1]!, { citizenId: beijinger() });
    assert.deepEqual(await identities(region.db), before2);
  });

  test('captureIdentity keeps the identity of a person of another region, audited with the person; not of a resident', async () => {
    const id = beijinger();
    const t = await issue(region, servers[1]!, { citizenId: id, captureIdentity: true });
    assert.equal(t.identityCaptured, true);
    const subject = subjectOf(region.ring, id);
    const rows = await region.db.query<{ citizen_id: string }>(
      'SELECT citizen_id FROM hc_identities WHERE subject = $1',
      [subject],
    );
    assert.equal(rows.rows.length, 1);
    assert.ok(rows.rows[0]!.citizen_id.startsWith('enc:v1:'), 'kept encrypted');
    await region.ledger.flush();
    const audited = await region.db.query<{ entry: string }>(
      `SELECT e.entry FROM audit_entries e JOIN audit_subjects s ON s.seq = e.seq WHERE s.subject = $1`,
      [subject],
    );
    const actions = audited.rows.map((r) => r.entry);
    assert.ok(
      actions.some((a) => a.includes('federation.identity.capture')),
      `the capture is in the person's audit trail: ${actions.join('\n')}`,
    );
    // Least privilege: nothing is kept for the node's own resident, nor on a standalone node.
    const before = await identities(region.db);
    const home = await issue(region, servers[1]!, { citizenId: cantonese(), captureIdentity: true });
    assert.equal(home.identityCaptured, false);
    assert.deepEqual(await identities(region.db), before);
    const s0 = await identities(standalone.db);
    const alone = await issue(standalone, servers[0]!, { citizenId: beijinger(), captureIdentity: true });
    assert.equal(alone.identityCaptured, false);
    assert.deepEqual(await identities(standalone.db), s0);
  });
});
