// POST /api/v1/federation/notify on a real region server, with a real hub server: only the hub's signed notice is
// taken, and many notices lead to one fetch of the national list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describeEachEngine, openTestDb } from '../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../testing/server.js';
import { eventually } from '../testing/cluster.js';
import { platformOn, type RunningPlatform } from '../node/platform.js';
import { startWorkers } from '../node/workers.js';
import { Keyring } from '../crypto/keyring.js';
import { kidOf } from '../keys/signing.js';
import type { Db } from '../db/types.js';
import { nodeIdentity } from './identity.js';
import { keptNationalVersion, nationalFetches } from './national.js';
import { hubRound, publishNational } from './hub.js';
import { federationTick } from './service.js';
import { signNotice, type NationalNotice } from './protocol/notice.js';

const HUB = '100000';
const GD = '440000';
const HOUR = 3_600_000;

describeEachEngine('federation notify', (_getPlatform, engine) => {
  const dbs: Db[] = [];
  let hub: RunningPlatform;
  let region: RunningPlatform;
  let hubServer: TestServer;
  let regionServer: TestServer;
  const notify = (body: unknown) => client(regionServer.url)('POST', '/api/v1/federation/notify', body);
  const notice = (version: number, over: Partial<NationalNotice> = {}): NationalNotice => ({
    type: 'national_list',
    from: HUB,
    to: GD,
    version,
    at: new Date().toISOString(),
    ...over,
  });
  const hubSigned = async (n: NationalNotice) => signNotice(n, await nodeIdentity(hub));
  /** Makes the hub publish a new national list version (another region in it changes its content). */
  let extra = 0;
  const bumpHub = async (): Promise<number> => {
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    await hub.db.query(
      `INSERT INTO fed_regions (region, url, node_kid, node_key, registered_by) VALUES ($1, $2, $3, $4, 'test')`,
      [['120000', '310000', '500000'][extra++], 'http://127.0.0.1:9', kidOf(der), der.toString('base64')],
    );
    return (await publishNational(hub)).signed.list.version;
  };

  before(async () => {
    const hubDb = await openTestDb(engine);
    const regionDb = await openTestDb(engine);
    dbs.push(hubDb, regionDb);
    hub = platformOn(hubDb, {
      ring: Keyring.generate(),
      settings: { region: HUB, federation: { role: 'hub', hubUrl: undefined, hubKey: undefined, syncMs: HOUR } },
    });
    hubServer = await startTestServer(hub);
    const hubKey = (await nodeIdentity(hub)).publicDer.toString('base64');
    region = platformOn(regionDb, {
      ring: Keyring.generate(),
      settings: { region: GD, federation: { role: 'region', hubUrl: hubServer.url, hubKey, syncMs: HOUR } },
    });
    regionServer = await startTestServer(region);
    await federationTick(region); // the region's scheduled first fetch
    assert.ok((await keptNationalVersion(region)) >= 1);
  });
  after(async () => {
    await regionServer?.close();
    await hubServer?.close();
    await region?.close();
    await hub?.close();
    for (const db of dbs) await db.close();
  });

  test('a bogus body is 400, an unsigned notice 401, an unknown or wrong signer 403; nothing is fetched', async () => {
    const fetched = nationalFetches(region);
    const v = (await keptNationalVersion(region)) + 1;
    for (const body of [
      {},
      { version: v }, // what a hub used to send
      { notice: { ...notice(v), extra: 1 } },
      { notice: { ...notice(v), version: 'x' } },
      { notice: notice(v, { at: 'yesterday' }) },
      { notice: notice(v), signature: { kid: 'x', value: 'not base64' } },
      { ...(await hubSigned(notice(v))), more: true },
    ]) {
      const r = await notify(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    }
    const unsigned = await notify({ notice: notice(v) });
    assert.equal(unsigned.status, 401, JSON.stringify(unsigned.body));
    assert.equal(unsigned.body.code, 'unsigned');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const strangerKid = kidOf(stranger.publicKey.export({ format: 'der', type: 'spki' }));
    const unknown = await notify(signNotice(notice(v), { kid: strangerKid, privateKey: stranger.privateKey }));
    assert.equal(unknown.status, 403, JSON.stringify(unknown.body));
    assert.equal(unknown.body.code, 'unknown_signer');
    const hubKid = (await nodeIdentity(hub)).kid;
    const forged = await notify(signNotice(notice(v), { kid: hubKid, privateKey: stranger.privateKey }));
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, 'bad_signature');
    const elsewhere = await notify(await hubSigned(notice(v, { to: '110000' })));
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.body.code, 'wrong_recipient');
    const old = await notify(await hubSigned(notice(v, { at: new Date(Date.now() - HOUR).toISOString() })));
    assert.equal(old.status, 422);
    // The federation worker's steps run, and fetch nothing: no refused notice asked for a fetch.
    await federationTick(region, Date.now() + 5_000);
    await federationTick(region, Date.now() + 10_000);
    assert.equal(nationalFetches(region), fetched);
  });

  test('50 signed notices of a new version lead to one fetch; notices of a version held already to none', async () => {
    const version = await bumpHub();
    const fetched = nationalFetches(region);
    const answers = await Promise.all(Array.from({ length: 50 }, async () => notify(await hubSigned(notice(version)))));
    assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.body.fetch}`)), new Set(['202 queued']));
    const workers = await startWorkers(region, { only: ['federation'], everyMs: { federation: 20 } });
    try {
      await eventually(async () => assert.equal(await keptNationalVersion(region), version), {
        what: 'the region fetched the announced version',
      });
      const again = await Promise.all(Array.from({ length: 50 }, async () => notify(await hubSigned(notice(version)))));
      assert.deepEqual(new Set(again.map((a) => `${a.status} ${a.body.fetch}`)), new Set(['202 not_needed']));
      const ran = workers.runs().federation;
      await eventually(() => assert.ok(workers.runs().federation >= ran + 3), { what: 'more federation steps' });
    } finally {
      await workers.stop();
    }
    const n = nationalFetches(region) - fetched;
    assert.ok(n >= 1 && n <= 2, `${n} fetches for 100 notices`);
  });

  test("the hub's own notice, sent by its round when the list changed, is accepted and fetched", async () => {
    const admin = await makeDepartment(hub.db, { role: 'admin' });
    const reg = await client(hubServer.url, admin.token)('POST', '/api/v1/federation/regions', {
      region: GD,
      url: regionServer.url,
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    // The registration published a new list without a notice; the hub's round then finds the region's trust list
    // changed or not; a further change makes sure the round publishes and notifies.
    await hub.db.query(`DELETE FROM fed_regions WHERE region <> $1`, [GD]);
    const r = await hubRound(hub); // changed: notifies the region with a signed notice
    assert.equal(r.changed, true);
    const fetched = nationalFetches(region);
    const workers = await startWorkers(region, { only: ['federation'], everyMs: { federation: 20 } });
    try {
      await eventually(async () => assert.equal(await keptNationalVersion(region), r.version), {
        what: 'the region fetched after the hub’s notice',
      });
    } finally {
      await workers.stop();
    }
    assert.ok(nationalFetches(region) - fetched <= 2);
  });
});
