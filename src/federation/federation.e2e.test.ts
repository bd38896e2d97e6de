// Federation between real node processes on loopback: a hub and two regions (Guangdong 440000, Beijing 110000).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoryIo } from '../cli/io.js';
import { run } from '../cli/program.js';
import { generateCitizenId } from '../standard/index.js';
import { eventually, startCluster, type Cluster, type NodeProcess } from '../testing/cluster.js';
import { client } from '../testing/server.js';

const GD = '440000';
const BJ = '110000';

const tokensOf = (n: NodeProcess): Record<string, string> =>
  (JSON.parse(readFileSync(join(n.dataDir, 'demo-credentials.json'), 'utf8')) as { tokens: Record<string, string> })
    .tokens;
const admin = (n: NodeProcess) => client(n.url, n.adminToken);
const as = (n: NodeProcess, dept: string) => client(n.url, tokensOf(n)[dept]);

let seq = 0;
const beijinger = () => generateCitizenId('110105', '19900101', 100 + ++seq);
const cantonese = () => generateCitizenId('440106', '19910202', 200 + ++seq);

async function issue(n: NodeProcess, citizenId: string): Promise<{ code: string; kid: string }> {
  const r = await admin(n)('POST', '/api/v1/codes', { citizenId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const check = async (n: NodeProcess, code: string) => {
  const r = await as(n, 'th-grid')('POST', '/api/v1/checks', { code, venue: 'V4401060001' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

async function reportCase(n: NodeProcess, citizenId: string): Promise<void> {
  const r = await as(n, 'gd-cdc')('POST', '/api/v1/datasets/case-reports/records', [
    {
      case_id: `K${Date.now()}${++seq}`,
      citizen_id: citizenId,
      diagnosis: 'confirmed',
      report_time: new Date(Date.now() - 3_600_000).toISOString(),
      division_code: n.region === GD ? '440106' : '110105',
    },
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.rowsRejected, 0, JSON.stringify(r.body));
}

const status = async (n: NodeProcess) => (await admin(n)('GET', '/api/v1/federation/status')).body;

describe('federation across real node processes', { timeout: 600_000 }, () => {
  let c: Cluster;
  let gd: NodeProcess;
  let bj: NodeProcess;
  before(async () => {
    c = await startCluster([GD, BJ], { syncSeconds: 1, persons: 40 });
    gd = c.regions[GD]!;
    bj = c.regions[BJ]!;
    // Both regions hold a national list naming both regions and their code keys.
    for (const n of [gd, bj]) {
      await eventually(
        async () => {
          const s = await status(n);
          assert.ok(s.trustList.version >= 1, JSON.stringify(s.trustList));
          assert.deepEqual(s.peers.map((p: { region: string }) => p.region).sort(), [BJ, GD]);
        },
        { what: `${n.region} has the national trust list` },
      );
    }
  });
  after(async () => c?.stop());

  test('a code issued in Guangdong is accepted in Beijing: offline with the national list, online from the issuer', async () => {
    const id = cantonese();
    const { code } = await issue(gd, id);
    const offline = await eventually(
      async () => {
        const r = (await client(bj.url)('POST', '/api/v1/codes/verify', { code })).body;
        assert.equal(r.valid, true, JSON.stringify(r));
        return r;
      },
      { what: 'Beijing verifies the Guangdong code offline' },
    );
    assert.equal(offline.region, GD);
    // The CLI verifies offline in-process with the lists the Beijing node serves (its own and the national one).
    const io = memoryIo({ env: { GOVSHARE_URL: bj.url }, fetch });
    assert.equal(await run(['code', 'verify', code], io), 0, io.stderr() + io.stdout());
    assert.equal(JSON.parse(io.stdout()).region, GD);
    const online = await check(bj, code);
    assert.equal(online.valid, true);
    assert.equal(online.colour, 'green');
    assert.equal(online.source, 'issuer');
    assert.equal(online.liveCall, true, 'no answer of the issuer was kept: it was asked during the check');
    assert.equal(online.region, GD);
    // The next check reads the kept answer: no call to Guangdong, with its age.
    const again = await check(bj, code);
    assert.equal(again.source, 'replica');
    assert.equal(again.liveCall, undefined);
    assert.equal(again.colour, 'green');
    assert.equal(typeof again.age, 'number');
    assert.equal(typeof again.stale, 'boolean');
  });

  test('a positive case reported in Guangdong turns a Beijing resident red when Beijing checks', async () => {
    const id = beijinger();
    const { code } = await issue(bj, id);
    assert.equal((await check(bj, code)).colour, 'green');
    await reportCase(gd, id);
    const after = await eventually(
      async () => {
        const r = await check(bj, code);
        assert.equal(r.colour, 'red', JSON.stringify(r));
        return r;
      },
      { what: 'the case reaches Beijing' },
    );
    assert.equal(after.changedSinceIssue, true);
    // The reason names the region whose data decided it.
    const looked = await admin(bj)('POST', '/api/v1/health-status/lookup', { citizenId: id });
    assert.equal(looked.body.status.reasons[0].rule, 'red.case-confirmed');
    assert.ok(
      looked.body.status.reasons[0].evidence.some(
        (e: { dataset: string; key: string }) => e.dataset === 'federation:case' && e.key.startsWith(`${GD}/`),
      ),
    );
    // A Guangdong code for the same person, checked in Beijing, asks Guangdong, which has the case too.
    const gdCode = await issue(gd, id);
    assert.equal((await check(bj, gdCode.code)).colour, 'red');
  });

  test('several codes for one person: every verifier shows the strictest status and which region decided it', async () => {
    const id = beijinger();
    const gdCode = await issue(gd, id);
    const bjCode = await issue(bj, id);
    assert.equal((await check(gd, gdCode.code)).colour, 'green');
    await reportCase(bj, id); // at home, in Beijing: Guangdong's own data knows nothing of it
    for (const [where, code] of [
      [gd, gdCode.code],
      [bj, gdCode.code],
      [gd, bjCode.code],
      [bj, bjCode.code],
    ] as const) {
      const r = await eventually(
        async () => {
          const x = await check(where, code);
          assert.equal(x.colour, 'red', JSON.stringify(x));
          return x;
        },
        { what: `the ${where.region} verifier sees red` },
      );
      assert.equal(r.decidedBy, BJ, JSON.stringify(r));
    }
  });

  test('a risk area declared in Guangdong reaches Beijing; a rotated Guangdong key verifies in Beijing after the next sync', async () => {
    const declared = await admin(gd)('POST', '/api/v1/risk-areas', {
      division: '440106',
      level: 'high',
      places: ['V4401069999'],
      name: { 'zh-CN': '联邦测试风险区', en: 'Federation test area' },
    });
    assert.equal(declared.status, 201, JSON.stringify(declared.body));
    await eventually(
      async () => {
        const areas = (await client(bj.url)('GET', '/api/v1/risk-areas?inForce=true')).body.items as {
          id: string;
          level: string;
        }[];
        assert.ok(
          areas.some((a) => a.id === `${GD}:${declared.body.id}` && a.level === 'high'),
          JSON.stringify(areas.map((a) => a.id)),
        );
      },
      { what: 'the risk area reaches Beijing' },
    );
    const rotated = await admin(gd)('POST', '/api/v1/admin/code-keys/rotate');
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    const { code, kid } = await issue(gd, cantonese());
    assert.equal(kid, rotated.body.active.kid);
    await eventually(
      async () => {
        const v = (await client(bj.url)('POST', '/api/v1/codes/verify', { code })).body;
        assert.equal(v.valid, true, JSON.stringify(v));
      },
      { what: 'the new key reaches Beijing' },
    );
  });

  test('with the hub down, codes still verify from the kept national list', async () => {
    const { code } = await issue(gd, cantonese());
    await c.hub.stop();
    try {
      const r = (await client(bj.url)('POST', '/api/v1/codes/verify', { code })).body;
      assert.equal(r.valid, true, JSON.stringify(r));
      assert.ok((await status(bj)).trustList.version >= 1);
    } finally {
      await c.hub.start();
    }
  });

  test('a region down for a while gets every event exactly once after restart; meanwhile checks use the kept answer', async () => {
    const id = cantonese();
    const { code } = await issue(gd, id);
    assert.equal((await check(bj, code)).source, 'issuer');
    const before = (await status(gd)).inbox.received;
    await gd.kill();
    try {
      const replica = await check(bj, code);
      assert.equal(replica.source, 'replica');
      assert.equal(replica.colour, 'green');
      // Beijing reports cases of three Guangdong residents while Guangdong is down.
      const people = [cantonese(), cantonese(), cantonese()];
      for (const p of people) await reportCase(bj, p);
      await eventually(
        async () => {
          const out = (await admin(bj)('GET', '/api/v1/federation/outbox?pending=true')).body.items;
          assert.ok(
            out.length >= 3 && out.every((m: { attempts: number }) => m.attempts >= 1),
            JSON.stringify(out.map((m: { attempts: number }) => m.attempts)),
          );
        },
        { what: 'the messages wait in the outbox after failed attempts' },
      );
      await gd.start();
      await eventually(
        async () => {
          const s = await status(bj);
          assert.equal(s.outbox.pending, 0);
        },
        { what: 'the outbox drains', timeoutMs: 120_000 },
      );
      const s = await status(gd);
      assert.equal(s.inbox.received - before, 3, 'each message applied exactly once');
      for (const p of people) {
        const r = await eventually(
          async () => {
            const x = await admin(gd)('POST', '/api/v1/health-status/lookup', { citizenId: p });
            assert.equal(x.body.status.colour, 'red');
            return x;
          },
          { what: 'the Guangdong resident is red at home' },
        );
        assert.ok(r.body.status.reasons[0].evidence.some((e: { key: string }) => e.key.startsWith(`${BJ}/`)));
      }
    } finally {
      if (gd.pid() === undefined) await gd.start();
    }
  });

  test('tampered, unsigned, replayed and unknown-sender messages are refused and logged', async () => {
    const [delivered] = (await admin(bj)('GET', '/api/v1/federation/outbox?limit=1')).body.items;
    assert.ok(delivered?.deliveredAt, 'a message Beijing delivered to Guangdong');
    const inbox = client(gd.url);
    const m = delivered.message;
    const replayed = await inbox('POST', '/api/v1/federation/inbox', m);
    assert.equal(replayed.status, 409);
    assert.equal(replayed.body.code, 'replayed');
    const tampered = await inbox('POST', '/api/v1/federation/inbox', {
      ...m,
      envelope: {
        ...m.envelope,
        id: 'm_AAAAAAAAAAAAAAAAAAAAAA',
        payload: { ...m.envelope.payload, diagnosis: 'excluded' },
      },
    });
    assert.equal(tampered.body.code, 'bad_signature');
    const unsigned = await inbox('POST', '/api/v1/federation/inbox', { envelope: m.envelope });
    assert.equal(unsigned.body.code, 'unsigned');
    const stranger = await inbox('POST', '/api/v1/federation/inbox', {
      ...m,
      envelope: { ...m.envelope, from: '310000' },
    });
    assert.equal(stranger.body.code, 'unknown_sender');
    // The batch endpoint judges each message on its own.
    const batch = await inbox('POST', '/api/v1/federation/inbox/batch', { messages: [m, { envelope: m.envelope }] });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(
      batch.body.results.map((r: { status: string; reason?: string }) => [r.status, r.reason ?? null]),
      [
        ['replayed', null],
        ['refused', 'unsigned'],
      ],
    );
    assert.equal((await inbox('POST', '/api/v1/federation/inbox/batch', { messages: [] })).status, 400);
    const logged = (await status(gd)).rejected.map((r: { reason: string }) => r.reason);
    for (const reason of ['replayed', 'bad_signature', 'unsigned', 'unknown_sender'])
      assert.ok(logged.includes(reason), `${reason} is logged: ${logged.join(',')}`);
  });

  test('a key revoked at the hub: Beijing refuses Guangdong codes after the next sync', async () => {
    const { code, kid } = await issue(gd, cantonese());
    assert.equal((await client(bj.url)('POST', '/api/v1/codes/verify', { code })).body.valid, true);
    const r = await admin(c.hub)(
      'POST',
      `/api/v1/federation/keys/${Buffer.from(kid, 'base64').toString('base64url')}/revoke`,
      { reason: 'key compromised (test)' },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await eventually(
      async () => {
        const v = (await client(bj.url)('POST', '/api/v1/codes/verify', { code })).body;
        assert.equal(v.valid, false);
        assert.equal(v.reason, 'key_revoked');
      },
      { what: 'the revocation reaches Beijing' },
    );
    const io = memoryIo({ env: { GOVSHARE_URL: bj.url }, fetch });
    assert.equal(await run(['code', 'verify', code], io), 1, 'the CLI exits non-zero for a revoked key');
    assert.equal(JSON.parse(io.stdout()).reason, 'key_revoked');
    // The operator's view.
    const st = memoryIo({ env: { GOVSHARE_URL: bj.url, GOVSHARE_TOKEN: bj.adminToken }, fetch });
    assert.equal(await run(['federation', 'status'], st), 0, st.stderr());
    assert.match(st.stdout(), /trust list version/);
    assert.match(st.stdout(), /440000/);
  });
});
