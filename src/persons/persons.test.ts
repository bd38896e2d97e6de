import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { sharingFixture } from '../testing/fixtures.js';
import type { RunningPlatform } from '../node/platform.js';
import { verifyInclusion } from '../audit/merkle.js';
import { namesSubject } from '../audit/subjects.js';
import { accessLogProblem, personTokenSubject } from '../cli/commands/proof.js';
import { subjectOf } from '../records/keys.js';
import { memoryIo } from '../cli/io.js';
import { run } from '../cli/program.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describeEachEngine('citizen transparency', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
    await f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.unconditional,
      fields: ['citizen_id', 'person_name', 'phone'],
      clearFields: ['citizen_id'], // looking people up by ID number needs it in clear
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD003',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
    });
  });
  after(async () => server.close());

  const tokenFor = async (citizenId: string) => {
    const res = await f.api(f.admin.token)('POST', '/api/v1/persons/tokens', { citizenId });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.token as string;
  };

  test('a person sees every access to their own data, with proofs, and nobody else’s', async () => {
    const [alice, bob] = [f.people[0]!, f.people[1]!];
    await f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
      subject: alice.citizen_id,
      purpose: 'contact_tracing',
    });
    await f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
      subject: alice.citizen_id,
      purpose: 'contact_tracing',
    });
    await f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
      subject: bob.citizen_id,
      purpose: 'contact_tracing',
    });
    await f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.conditional}/records/search`, {
      subject: alice.citizen_id,
      purpose: 'contact_tracing',
    }); // refused: touches nobody
    const aliceLog = (await f.api(await tokenFor(alice.citizen_id))('GET', '/api/v1/me/access-log')).body.items;
    const reads = aliceLog.filter((e: any) => e.action === 'records.read' && e.department === f.consumer.id);
    assert.equal(reads.length, 2);
    for (const e of reads) {
      assert.equal(e.purpose, 'contact_tracing');
      assert.deepEqual(e.fields.sort(), ['citizen_id', 'person_name', 'phone']);
      assert.equal(e.dataset, f.ds.unconditional);
      assert.ok(verifyInclusion(e.seq, e.treeHead.treeSize, hex(e.leafHash), e.proof.map(hex), hex(e.treeHead.root)));
    }
    assert.ok(
      aliceLog.some((e: any) => e.action === 'persons.token_issued'),
      'signing in is in the log too',
    );
    const bobLog = (await f.api(await tokenFor(bob.citizen_id))('GET', '/api/v1/me/access-log')).body.items;
    assert.equal(bobLog.filter((e: any) => e.action === 'records.read' && e.department === f.consumer.id).length, 1);
    assert.ok(!JSON.stringify(bobLog).includes(alice.citizen_id));
  });

  test('entries name a person by a salted hash: two reads cannot be joined, the person still proves membership', async () => {
    const [alice, bob] = [f.people[3]!, f.people[4]!];
    const read = (who: { citizen_id: string }) =>
      f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
        purpose: 'contact_tracing',
        subject: who.citizen_id,
      });
    for (const who of [alice, alice, bob]) assert.equal((await read(who)).status, 200);
    const token = await tokenFor(alice.citizen_id);
    const subject = personTokenSubject(token)!;
    assert.equal(subject, subjectOf(platform.ring, alice.citizen_id));
    const log = (await f.api(token)('GET', '/api/v1/me/access-log')).body.items as any[];
    const reads = log.filter((e) => e.action === 'records.read' && e.department === f.consumer.id);
    assert.equal(reads.length, 2);
    // What the reading department itself gets back for the entries it made: no common value to join on.
    const seen = await Promise.all(
      reads.map(async (e) => (await f.api(f.consumer.token)('GET', `/api/v1/audit/entries/${e.seq}`)).body.entry),
    );
    const [a, b] = seen.map((t: string) => JSON.parse(t));
    assert.deepEqual(
      seen,
      reads.map((e) => e.entry),
    );
    assert.equal(a.v, 2);
    assert.notEqual(a.salt, b.salt);
    assert.equal(a.subjects.length, 1);
    assert.equal(b.subjects.length, 1);
    assert.notEqual(a.subjects[0], b.subjects[0]);
    for (const t of seen) assert.ok(!t.includes(subject), 'the subject id is not in the entry');
    // The person proves each entry names them: inclusion, the listing, and membership under the entry's salt.
    for (const e of log) {
      assert.equal(accessLogProblem(e, subject), null, `entry ${e.seq}`);
      assert.ok(namesSubject(JSON.parse(e.entry), subject));
    }
    for (const e of reads) assert.equal(e.namedAs, JSON.parse(e.entry).subjects[0]);
    const bobs = subjectOf(platform.ring, bob.citizen_id);
    for (const e of reads)
      assert.equal(accessLogProblem(e, bobs), 'the proven entry does not name you among its subjects');
    // A row slipped into the subjects index does not show Bob Alice's entry.
    await platform.db.query('INSERT INTO audit_subjects (subject, seq) VALUES ($1, $2)', [bobs, reads[0].seq]);
    const bobLog = (await f.api(await tokenFor(bob.citizen_id))('GET', '/api/v1/me/access-log')).body.items as any[];
    await platform.db.query('DELETE FROM audit_subjects WHERE subject = $1 AND seq = $2', [bobs, reads[0].seq]);
    assert.ok(!bobLog.some((e) => e.seq === reads[0].seq));
    assert.ok(
      bobLog.some((e) => e.action === 'records.read'),
      'his own read is still listed',
    );
    // govshare me access-log --verify reads the subject from the token and checks membership too.
    const io = memoryIo({ fetch });
    const code = await run(['me', 'access-log', '--verify', '--url', server.url, '--token', token], io);
    assert.equal(code, 0, io.stderr());
    assert.match(io.stderr(), /^all \d+ entries verified against tree head \d+, each naming you\n$/);
  });

  test('a person sees their own records in clear, and only theirs; department routes stay closed to them', async () => {
    const alice = f.people[0]!;
    const token = await tokenFor(alice.citizen_id);
    const mine = await f.api(token)('GET', '/api/v1/me/records');
    assert.equal(mine.status, 200);
    const all = mine.body.items.flatMap((d: any) => d.records);
    assert.equal(all.length, 3, 'one record in each of the three datasets');
    assert.ok(
      all.every((r: any) => r.data.citizen_id === alice.citizen_id && r.data.person_name === alice.person_name),
    );
    assert.equal(
      (await f.api(token)('GET', `/api/v1/datasets/${f.ds.unconditional}/records?purpose=contact_tracing`)).status,
      403,
    );
    assert.equal((await f.api(token)('GET', '/api/v1/datasets')).body.code, 'department_token_required');
    assert.equal((await f.api(f.consumer.token)('GET', '/api/v1/me/access-log')).body.code, 'person_token_required');
  });

  test('forged, tampered and expired person tokens are refused; only the administrator issues them', async () => {
    const token = await tokenFor(f.people[2]!.citizen_id);
    const [body, sig] = token.slice(4).split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `gsp_${Buffer.from(JSON.stringify({ ...payload, sub: 'x'.repeat(32) })).toString('base64url')}.${sig}`;
    assert.equal((await f.api(forged)('GET', '/api/v1/me/access-log')).status, 401);
    const expired = `gsp_${Buffer.from(JSON.stringify({ ...payload, exp: 1 })).toString('base64url')}.${sig}`;
    assert.equal((await f.api(expired)('GET', '/api/v1/me/access-log')).status, 401);
    assert.equal(
      (await f.api(f.consumer.token)('POST', '/api/v1/persons/tokens', { citizenId: f.people[2]!.citizen_id })).status,
      403,
    );
    assert.equal(
      (await f.api(f.admin.token)('POST', '/api/v1/persons/tokens', { citizenId: '110105194912310021' })).body.code,
      'invalid_citizen_id',
    );
    await server.flushAudit(); // failed authentications are written per source and minute
    const failures = (await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries')).rows.filter((r) =>
      r.entry.includes('"auth.failed"'),
    );
    const counted = failures.reduce((n, r) => n + (JSON.parse(r.entry).detail.count as number), 0);
    assert.ok(counted >= 2, 'failed sign-ins are audited (counted per source and minute)');
  });
});
