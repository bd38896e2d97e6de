// Online checks of another region's codes read the kept answer: a stale one is answered as it is and a refresh is
// queued for the worker; the issuer is asked during a check only when no answer of it is kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describeEachEngine, openTestDb } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import { platformOn, type RunningPlatform } from '../../node/platform.js';
import { Keyring } from '../../crypto/keyring.js';
import { kidOf } from '../../keys/signing.js';
import { setState } from '../../federation/state.js';
import { queuedRefreshes } from '../../federation/refresh-queue.js';
import { refreshAnswers } from '../../federation/service.js';
import type { Db } from '../../db/types.js';
import { codeKeyFrom, issueCode, trustListEntry } from '../hcert/index.js';

const GD = '440000';
const BJ = '110000';
const DAY = 86_400_000;

describeEachEngine('online checks of other regions’ codes', (_getPlatform, engine) => {
  let db: Db;
  let p: RunningPlatform;
  let server: TestServer;
  let token: string;
  const bjKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const codeFor = (sub: string) =>
    issueCode({ iss: BJ, sub, colour: 'green', ruleSet: 'BJ', ruleVersion: '1' }, codeKeyFrom(bjKey.privateKey));
  const replicas = async () =>
    (await db.query('SELECT issuer, code_sub, answer, received_at FROM fed_status_replicas ORDER BY code_sub')).rows;
  const check = async (code: string) => {
    const r = await client(server.url, token)('POST', '/api/v1/checks', { code });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    db = await openTestDb(engine);
    p = platformOn(db, {
      ring: Keyring.generate(),
      settings: {
        region: GD,
        federation: { role: 'region', hubUrl: 'http://127.0.0.1:9', hubKey: undefined, syncMs: 3_600_000 },
      },
    });
    // The kept national list: Beijing's code key, and Beijing's node at an address nobody answers.
    const nodeDer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    await setState(db, 'region.national', {
      signed: {
        list: {
          version: 1,
          issuedAt: new Date().toISOString(),
          issuer: '100000',
          entries: [
            trustListEntry(bjKey.publicKey, {
              region: BJ,
              validFrom: Date.now() - DAY,
              validTo: Date.now() + DAY,
              status: 'active',
            }),
          ],
          regions: [
            { region: BJ, url: 'http://127.0.0.1:9', kid: kidOf(nodeDer), publicKey: nodeDer.toString('base64') },
          ],
        },
        signature: { alg: 'ES256', kid: 'x', value: 'x' },
      },
      fetchedAt: new Date().toISOString(),
    });
    server = await startTestServer(p);
    token = (await makeDepartment(db)).token;
  });
  after(async () => {
    await server?.close();
    await p?.close();
    await db?.close();
  });

  test('a stale kept answer is answered as it is, a refresh queued; the kept answers are unchanged', async () => {
    const sub = 'bj-sub-stale';
    const answer = {
      query: { from: GD, to: BJ, sub, at: new Date().toISOString(), nonce: 'n' },
      known: true,
      colour: 'yellow',
      reasons: [],
      ruleSet: 'BJ',
      ruleVersion: '1',
      since: new Date(Date.now() - DAY).toISOString(),
      computedAt: new Date(Date.now() - 60_000).toISOString(),
      region: BJ,
      decidedBy: BJ,
    };
    await db.query(
      `INSERT INTO fed_status_replicas (issuer, code_sub, answer, received_at) VALUES ($1, $2, $3, now() - interval '1 minute')`,
      [BJ, sub, JSON.stringify(answer)],
    );
    const before = await replicas();
    const queued = queuedRefreshes(p);
    const r = await check(codeFor(sub).text);
    assert.equal(r.valid, true);
    assert.equal(r.colour, 'yellow');
    assert.equal(r.source, 'replica');
    assert.equal(r.stale, true);
    assert.match(r.staleReason, /a refresh is queued/);
    assert.ok(r.age >= 60, JSON.stringify(r));
    assert.equal(r.liveCall, undefined, 'Beijing was not asked during the check');
    assert.equal(queuedRefreshes(p), queued + 1);
    assert.deepEqual(await replicas(), before);
    // The worker's step takes the refresh (Beijing is unreachable: the kept answer stands).
    assert.ok((await refreshAnswers(p)) >= 1);
    assert.equal(queuedRefreshes(p), 0);
    assert.deepEqual(await replicas(), before);
  });

  test('with no kept answer the issuer is asked during the check, and the answer says so', async () => {
    const r = await check(codeFor('bj-sub-unknown').text);
    assert.equal(r.valid, true);
    assert.equal(r.reason, 'status_unknown'); // Beijing cannot be reached
    assert.equal(r.liveCall, true);
    assert.equal(r.stale, false);
  });
});
