// System-mode reads through the records door are audited per run (or chunk) with the job, its purpose, the
import { namesSubject } from '../audit/subjects.js';
// datasets and counts, and never carry ID numbers or blind indexes; a person's own read is audited in person mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeCtx } from '../access/context.js';
import { systemPrincipal } from '../access/principal.js';
import { createJob, runJob } from '../healthcode/status/job.js';
import { drainOnce } from '../healthcode/status/worker.js';
import { purgeExpired } from '../healthcode/retention/service.js';
import { reencryptionDone, startReencryption } from '../keys/fieldkeys.js';
import type { RunningPlatform } from '../node/platform.js';
import { issuePersonToken } from '../persons/tokens.js';
import { describeEachEngine } from '../testing/db.js';
import { healthFixture, hoursAgo, newCitizen, type HealthFixture } from '../testing/health.js';
import { client, startTestServer } from '../testing/server.js';
import { SYSTEM_JOBS } from './mode.js';

interface Entry {
  action: string;
  outcome: string;
  actor: { kind: string; reason?: string };
  dataset?: string;
  subjects?: string[];
  purpose?: string;
  detail?: Record<string, any>;
}

async function entriesSince(p: RunningPlatform, seq: number): Promise<{ text: string; e: Entry }[]> {
  await p.ledger.flush();
  const res = await p.db.query<{ entry: string }>('SELECT entry FROM audit_entries WHERE seq >= $1 ORDER BY seq', [
    seq,
  ]);
  return res.rows.map((r) => ({ text: r.entry, e: JSON.parse(r.entry) as Entry }));
}

async function ledgerEnd(p: RunningPlatform): Promise<number> {
  await p.ledger.flush();
  const res = await p.db.query<{ n: number }>('SELECT COALESCE(max(seq) + 1, 0)::int AS n FROM audit_entries');
  return res.rows[0]!.n;
}

const systemReads = (list: { text: string; e: Entry }[], job: string) =>
  list.filter((x) => x.e.action === 'records.read' && x.e.detail?.mode === 'system' && x.e.detail.job === job);

/** No ID number and no stored blind index of these people in any of the entries. */
function assertNoPersonalData(list: { text: string; e: Entry }[], ids: string[], subjects: string[]): void {
  for (const { text } of list) {
    for (const id of ids) assert.ok(!text.includes(id), `an ID number in ${text}`);
    for (const s of subjects) assert.ok(!text.includes(s), `a blind index in ${text}`);
  }
}

describeEachEngine('system-mode reads through the records door', (getPlatform) => {
  let p: RunningPlatform;
  let fx: HealthFixture;
  const setup = async () => {
    if (!fx) {
      p = await getPlatform();
      fx = await healthFixture(p);
      await drainOnce(p); // start following from here
    }
  };

  test('a full recompute job run leaves records.read entries in system mode with its job, purpose and counts', async () => {
    await setup();
    const id = newCitizen();
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(3), result: 'positive', lab_code: 'GZ-LAB' },
    ]);
    const from = await ledgerEnd(p);
    const job = await createJob(p.db, 'test');
    const done = await runJob(p, job.id, { chunkSize: 2 });
    assert.equal(done.status, 'done');
    const all = await entriesSince(p, from);
    const reads = systemReads(all, 'healthcode.recompute').filter((x) => x.e.detail!.run === job.id);
    assert.ok(reads.length >= 1, 'one entry per chunk of the job');
    for (const { e } of reads) {
      assert.equal(e.outcome, 'ok');
      assert.equal(e.actor.kind, 'system');
      assert.equal(e.actor.reason, 'healthcode.recompute');
      assert.equal(e.purpose, SYSTEM_JOBS['healthcode.recompute'].purpose);
      assert.equal(e.detail!.kind, 'full');
      assert.ok(e.detail!.rows >= 1 && e.detail!.subjects >= 1);
      assert.equal(e.subjects, undefined, 'a system read is audited per run, not per person');
    }
    const rows = reads.reduce((n, { e }) => n + (e.detail!.datasets[fx.ids['nucleic-acid-results']] ?? 0), 0);
    assert.ok(rows >= 1, 'the counts name the dataset read');
    assert.equal(
      reads.reduce((n, { e }) => n + e.detail!.rows, 0),
      reads.reduce((n, { e }) => n + Object.values<number>(e.detail!.datasets).reduce((a, b) => a + b, 0), 0),
    );
    assertNoPersonalData(all, [id], [fx.subject(id)]);
  });

  test('the incremental worker audits the reads of each pass that found people', async () => {
    await setup();
    const id = newCitizen();
    await fx.put('close-contacts', [
      { case_id: `C${Date.now()}`, citizen_id: id, contact_type: 'close', exposure_date: hoursAgo(30).slice(0, 10) },
    ]);
    const from = await ledgerEnd(p);
    const r = await drainOnce(p);
    assert.ok(r.processed >= 1);
    const all = await entriesSince(p, from);
    const reads = systemReads(all, 'healthcode.recompute');
    const touched = reads.find((x) => x.e.detail!.step === 'touched');
    assert.ok(touched, JSON.stringify(all.map((x) => x.e)));
    assert.equal(touched.e.detail!.kind, 'incremental');
    assert.ok(touched.e.detail!.datasets[fx.ids['close-contacts']] >= 1);
    const rowsRead = reads.find((x) => x.e.detail!.kind === 'subjects');
    assert.ok(rowsRead);
    assert.equal(rowsRead.e.detail!.cause, 'new-data');
    assert.ok(rowsRead.e.detail!.rows >= 1 && rowsRead.e.detail!.people >= 1);
    assertNoPersonalData(all, [id], [fx.subject(id)]);
  });

  test('key re-encryption audits its run with the job, purpose and counts', async () => {
    await setup();
    const from = await ledgerEnd(p);
    p.ring = p.ring.rotate();
    startReencryption(makeCtx(p, systemPrincipal('test')));
    await reencryptionDone(p);
    const reads = systemReads(await entriesSince(p, from), 'keys.reencrypt');
    assert.equal(reads.length, 1, 'one entry for the run');
    const e = reads[0]!.e;
    assert.equal(e.purpose, 'key_rotation');
    assert.equal(e.detail!.activeKey, p.ring.activeId);
    assert.ok(e.detail!.rows >= 1);
    assert.ok(e.detail!.datasets[fx.ids['nucleic-acid-results']] >= 1);
  });

  test('a retention purge names its job and purpose in its entry', async () => {
    await setup();
    const from = await ledgerEnd(p);
    await purgeExpired(p);
    const purge = (await entriesSince(p, from)).find((x) => x.e.action === 'retention.purge');
    assert.ok(purge);
    assert.equal(purge.e.detail!.mode, 'system');
    assert.equal(purge.e.detail!.job, 'retention.purge');
    assert.equal(purge.e.purpose, SYSTEM_JOBS['retention.purge'].purpose);
  });

  test("a person's read of their own records is audited in person mode, naming them", async () => {
    await setup();
    const id = newCitizen();
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(5), result: 'negative', lab_code: 'GZ-LAB' },
    ]);
    const server = await startTestServer(p);
    try {
      const token = await issuePersonToken(makeCtx(p, systemPrincipal('test')), id);
      const from = await ledgerEnd(p);
      const res = await client(server.url, token.token)('GET', '/api/v1/me/records');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const mine = res.body.items.find((x: any) => x.dataset === fx.ids['nucleic-acid-results']);
      assert.equal(mine.records[0].data.citizen_id, id, 'their own data, in clear');
      const viewed = (await entriesSince(p, from)).find((x) => x.e.action === 'person.records_viewed');
      assert.ok(viewed);
      assert.equal(viewed.e.detail!.mode, 'person');
      assert.ok(namesSubject(viewed.e as never, fx.subject(id)), 'the entry names the person (salted, docs/audit.md)');
    } finally {
      await server.close();
    }
  });
});
