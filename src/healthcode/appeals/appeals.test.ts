import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCtx } from '../../access/context.js';
import type { Principal } from '../../access/principal.js';
import { createDataset } from '../../catalog/service.js';
import { memoryIo } from '../../cli/io.js';
import { run } from '../../cli/program.js';
import { ingest } from '../../ingest/pipeline.js';
import type { RunningPlatform } from '../../node/platform.js';
import { subjectOf } from '../../records/keys.js';
import { generateCitizenId } from '../../standard/index.js';
import { describeEachEngine } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import { currentStatus, recomputeSubjects } from '../status/service.js';
import { responsibleFor } from './service.js';

const DAY = 86_400_000;
const L = (s: string) => ({ 'zh-CN': s, en: s });
let seq = 0;

describeEachEngine('appeals', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof makeDepartment>>;
  let lab: Awaited<ReturnType<typeof makeDepartment>>;
  let other: Awaited<ReturnType<typeof makeDepartment>>;
  let natDataset: string;
  // People: 1-6 have a positive NAT test (red), 9 has nothing (green).
  const cid = (i: number) => generateCitizenId('440106', '19920811', 300 + i);
  const subject = (i: number) => subjectOf(platform.ring, cid(i));

  const asDept = (d: { id: string; tokenId: string }) =>
    makeCtx(platform, {
      kind: 'department',
      departmentId: d.id,
      role: 'department',
      tokenId: d.tokenId,
    } satisfies Principal);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
    lab = await makeDepartment(platform.db);
    other = await makeDepartment(platform.db);
    natDataset = `nat-${process.pid.toString(36)}-${++seq}`;
    await createDataset(asDept(lab), {
      id: natDataset,
      title: L('NAT'),
      description: L('NAT results'),
      updateFrequency: 'realtime',
      coverage: { region: '440000' },
      sharingClass: 'unconditional',
      fields: [
        { name: 'citizen_id', element: 'citizen_id', required: true },
        { name: 'sample_time', element: 'nat_sample_time', required: true },
        { name: 'result', element: 'nat_result', required: true },
      ],
      key: ['citizen_id', 'sample_time'],
    });
    const sampled = new Date(Date.now() - DAY).toISOString();
    const r = await ingest(asDept(lab), natDataset, {
      format: 'json',
      records: [1, 2, 3, 4, 5, 6].map((i) => ({ citizen_id: cid(i), sample_time: sampled, result: 'positive' })),
    });
    assert.equal(r.inserted, 6, JSON.stringify(r.rejected));
  });
  after(async () => server.close());

  const tokens = new Map<number, string>();
  const personApi = async (i: number) => {
    let token = tokens.get(i);
    if (!token) {
      const res = await client(server.url, admin.token)('POST', '/api/v1/persons/tokens', { citizenId: cid(i) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      token = res.body.token as string;
      tokens.set(i, token);
    }
    return client(server.url, token);
  };
  const inAWeek = () => new Date(Date.now() + 7 * DAY).toISOString();

  test('a person appeals a red code: colour and reasons recorded, sent to the department behind the data; one open appeal at a time', async () => {
    const me = await personApi(1);
    const res = await me('POST', '/api/v1/me/appeals', {
      reason: 'I was never tested that day; the sample must be someone else’s.',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body;
    assert.match(a.id, /^apl_/);
    assert.equal(a.status, 'open');
    assert.equal(a.subject, subject(1));
    assert.equal(a.colourAtFiling, 'red');
    assert.equal(a.rulesAtFiling.computedColour, 'red');
    assert.ok(a.rulesAtFiling.ruleSet && a.rulesAtFiling.ruleVersion);
    assert.equal(a.rulesAtFiling.reasons[0].rule, 'red.nat-positive');
    assert.equal(a.rulesAtFiling.reasons[0].evidence[0].dataset, natDataset);
    assert.equal(a.responsible, lab.id, 'the owner of the dataset behind the first reason');
    assert.equal(a.decidedBy, null);
    assert.equal(a.overrideActive, false);

    const again = await me('POST', '/api/v1/me/appeals', { reason: 'Again.' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'appeal_open');
  });

  test('two filings at once: one goes through', async () => {
    const me = await personApi(5);
    const both = await Promise.all([
      me('POST', '/api/v1/me/appeals', { reason: 'one' }),
      me('POST', '/api/v1/me/appeals', { reason: 'two' }),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
    const rows = await platform.db.query("SELECT id FROM appeals WHERE subject = $1 AND status = 'open'", [subject(5)]);
    assert.equal(rows.rows.length, 1);
  });

  test('green has nothing to appeal; bad input and the wrong caller are refused', async () => {
    const green = await personApi(9);
    const g = await green('POST', '/api/v1/me/appeals', { reason: 'Just checking.' });
    assert.equal(g.status, 409);
    assert.equal(g.body.code, 'nothing_to_appeal');
    const me = await personApi(2);
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(2001) }, { reason: 'ok', extra: 1 }, { reason: 7 }]) {
      const r = await me('POST', '/api/v1/me/appeals', body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const blank = await me('POST', '/api/v1/me/appeals', { reason: '   ' });
    assert.equal(blank.status, 400);
    assert.equal(blank.body.code, 'reason_required');
    assert.equal(
      (await client(server.url, lab.token)('POST', '/api/v1/me/appeals', { reason: 'x' })).body.code,
      'person_token_required',
    );
    assert.equal((await client(server.url)('POST', '/api/v1/me/appeals', { reason: 'x' })).status, 401);
    assert.equal((await me('GET', '/api/v1/appeals')).body.code, 'department_token_required');
    assert.equal((await me('POST', '/api/v1/appeals/apl_x/decision', { decision: 'reject', reason: 'x' })).status, 403);
  });

  test('departments see the appeals they answer for, without ID numbers; an administrator sees all', async () => {
    const labView = await client(server.url, lab.token)('GET', '/api/v1/appeals?status=open');
    assert.equal(labView.status, 200);
    const mine = labView.body.items.find((a: any) => a.subject === subject(1));
    assert.ok(mine, 'the lab sees the appeal against its data');
    assert.equal(mine.reason, 'I was never tested that day; the sample must be someone else’s.');
    assert.equal(mine.colourAtFiling, 'red');
    assert.ok(labView.body.items.every((a: any) => a.responsible === lab.id && a.status === 'open'));
    const text = JSON.stringify(labView.body);
    for (const i of [1, 2, 3, 4, 5, 6]) assert.ok(!text.includes(cid(i)), 'no ID number in the department view');
    assert.deepEqual((await client(server.url, other.token)('GET', '/api/v1/appeals')).body.items, []);
    const all = await client(server.url, admin.token)('GET', '/api/v1/appeals');
    assert.ok(all.body.items.some((a: any) => a.id === mine.id));
    assert.equal((await client(server.url, lab.token)('GET', '/api/v1/appeals?status=lost')).status, 400);
    assert.equal((await client(server.url, lab.token)('GET', `/api/v1/appeals/${mine.id}`)).body.id, mine.id);
    assert.equal((await client(server.url, other.token)('GET', `/api/v1/appeals/${mine.id}`)).status, 403);
    assert.equal((await client(server.url, lab.token)('GET', '/api/v1/appeals/apl_nope')).status, 404);
  });

  test('accepting overrides the colour until the expiry; the person sees the decision and who took it', async () => {
    const me = await personApi(1);
    const id = (await me('GET', '/api/v1/me/appeals')).body.items[0].id as string;
    const decide = (token: string, body: unknown) =>
      client(server.url, token)('POST', `/api/v1/appeals/${id}/decision`, body);

    const wrong = await decide(other.token, { decision: 'accept', reason: 'not mine to decide', expiresAt: inAWeek() });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'not_responsible');
    const bad: [unknown, number, string?][] = [
      [{ decision: 'accept', reason: 'lab mix-up' }, 400, 'expires_required'],
      [
        { decision: 'accept', reason: 'lab mix-up', expiresAt: new Date(Date.now() - DAY).toISOString() },
        422,
        'expiry_in_past',
      ],
      [
        { decision: 'accept', reason: 'lab mix-up', expiresAt: new Date(Date.now() + 31 * DAY).toISOString() },
        422,
        'expiry_too_far',
      ],
      [{ decision: 'accept', reason: 'lab mix-up', expiresAt: 'next week' }, 400],
      [{ decision: 'accept', reason: 'lab mix-up', expiresAt: inAWeek(), colour: 'blue' }, 400],
      [{ decision: 'maybe', reason: 'lab mix-up' }, 400],
      [{ decision: 'accept', reason: '', expiresAt: inAWeek() }, 400],
      [{ decision: 'reject', reason: 'no', colour: 'green' }, 400, 'not_applicable'],
    ];
    for (const [body, status, code] of bad) {
      const r = await decide(lab.token, body);
      assert.equal(r.status, status, JSON.stringify(body));
      if (code) assert.equal(r.body.code, code);
    }
    assert.equal(
      (
        await client(server.url, lab.token)('POST', '/api/v1/appeals/apl_nope/decision', {
          decision: 'reject',
          reason: 'x',
        })
      ).status,
      404,
    );

    const until = inAWeek();
    const ok = await decide(lab.token, {
      decision: 'accept',
      reason: 'The sample was mislabelled at the lab.',
      expiresAt: until,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'accepted');
    assert.equal(ok.body.overrideColour, 'green', 'green unless told');
    assert.equal(ok.body.overrideUntil, until);
    assert.equal(ok.body.overrideActive, true);
    assert.equal(ok.body.decidedBy, lab.id);

    const twice = await decide(lab.token, { decision: 'reject', reason: 'changed my mind' });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'appeal_decided');
    assert.equal((await decide(admin.token, { decision: 'accept', reason: 'x', expiresAt: inAWeek() })).status, 409);

    const status = await currentStatus(platform, subject(1));
    assert.equal(status.colour, 'green', 'the override shows at once');
    assert.equal(status.computedColour, 'red');
    assert.equal(status.overrideAppeal, id);
    assert.equal((await me('POST', '/api/v1/me/appeals', { reason: 'more' })).body.code, 'nothing_to_appeal');

    const mine = (await me('GET', '/api/v1/me/appeals')).body.items;
    assert.equal(mine.length, 1);
    assert.equal(mine[0].status, 'accepted');
    assert.equal(mine[0].decisionReason, 'The sample was mislabelled at the lab.');
    assert.equal(mine[0].overrideUntil, until);

    const log = (await me('GET', '/api/v1/me/access-log')).body.items as any[];
    const filed = log.find((e) => e.action === 'appeals.file' && e.outcome === 'ok');
    assert.ok(filed, 'filing is in the person’s access log');
    const decided = log.find((e) => e.action === 'appeals.decide' && e.outcome === 'ok');
    assert.equal(decided?.department, lab.id, 'the decision, with the department that took it');
    assert.ok(
      log.some((e) => e.action === 'appeals.decide' && e.outcome === 'denied' && e.department === other.id),
      'the refused attempt too',
    );
    assert.ok(
      log.some((e) => e.action === 'appeals.list' && e.department === lab.id),
      'and the department viewing it',
    );

    // After the expiry the rules' colour is back (computed as of a time past the expiry).
    await recomputeSubjects(platform, [subject(1)], 'test', new Date(Date.parse(until) + 60_000));
    const later = await currentStatus(platform, subject(1));
    assert.equal(later.colour, 'red');
    assert.equal(later.overrideAppeal, null);
    await recomputeSubjects(platform, [subject(1)], 'test', new Date());
    assert.equal((await currentStatus(platform, subject(1))).colour, 'green');
  });

  test('an accepted appeal may set another colour; a rejection leaves the status as computed', async () => {
    const p3 = await personApi(3);
    const a3 = (await p3('POST', '/api/v1/me/appeals', { reason: 'I have recovered.' })).body;
    const ok = await client(server.url, admin.token)('POST', `/api/v1/appeals/${a3.id}/decision`, {
      decision: 'accept',
      reason: 'Recovered, still watched.',
      colour: 'yellow',
      expiresAt: inAWeek(),
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.overrideColour, 'yellow');
    assert.equal(ok.body.decidedBy, admin.id, 'an administrator may decide any appeal');
    assert.equal((await currentStatus(platform, subject(3))).colour, 'yellow');

    const p2 = await personApi(2);
    const a2 = (await p2('POST', '/api/v1/me/appeals', { reason: 'Not me.' })).body;
    assert.equal(a2.status, 'open');
    const no = await client(server.url, lab.token)('POST', `/api/v1/appeals/${a2.id}/decision`, {
      decision: 'reject',
      reason: 'The positive result was confirmed by a second test.',
    });
    assert.equal(no.status, 200, JSON.stringify(no.body));
    assert.equal(no.body.status, 'rejected');
    assert.equal(no.body.overrideColour, null);
    const status = await currentStatus(platform, subject(2));
    assert.equal(status.colour, 'red');
    assert.equal(status.overrideAppeal, null);
    const mine = (await p2('GET', '/api/v1/me/appeals')).body.items;
    assert.equal(mine[0].status, 'rejected');
    assert.equal(mine[0].decisionReason, 'The positive result was confirmed by a second test.');
    const log = (await p2('GET', '/api/v1/me/access-log')).body.items as any[];
    assert.ok(log.some((e) => e.action === 'appeals.decide' && e.outcome === 'ok' && e.department === lab.id));
    // A new appeal may follow a rejection.
    assert.equal(
      (await p2('POST', '/api/v1/me/appeals', { reason: 'New evidence: a negative test the same day.' })).status,
      201,
    );
  });

  test('without evidence the data center answers', async () => {
    const first = (
      await platform.db.query<{ id: string }>("SELECT id FROM departments WHERE role = 'admin' ORDER BY id LIMIT 1")
    ).rows[0]!.id;
    assert.equal(await responsibleFor(platform.db, []), first);
    const reason = { rule: 'x', colour: 'yellow' as const, description: L('x'), evidence: [] };
    assert.equal(await responsibleFor(platform.db, [reason]), first);
    assert.equal(await responsibleFor(platform.db, [{ ...reason, evidence: [{ dataset: 'gone', key: 'k' }] }]), first);
    assert.equal(
      await responsibleFor(platform.db, [reason, { ...reason, evidence: [{ dataset: natDataset, key: 'k' }] }]),
      lab.id,
    );
  });

  test('the CLI: me appeal, me appeals, appeals list and decide', async () => {
    const cli = async (token: string, args: string[]) => {
      const io = memoryIo({ env: { GOVSHARE_URL: server.url, GOVSHARE_TOKEN: token }, fetch });
      const code = await run(args, io);
      return { code, out: io.stdout(), err: io.stderr() };
    };
    await personApi(4);
    const person = tokens.get(4)!;
    const filed = await cli(person, ['me', 'appeal', '--reason', 'Wrong person.', '--json']);
    assert.equal(filed.code, 0, filed.err);
    const id = JSON.parse(filed.out).id as string;
    const again = await cli(person, ['me', 'appeal', '--reason', 'Wrong person.']);
    assert.equal(again.code, 1);
    assert.match(again.err, /appeal_open/);

    const list = await cli(lab.token, ['appeals', 'list', '--status', 'open']);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(id));
    assert.ok(!list.out.includes(cid(4)));
    const show = await cli(lab.token, ['appeals', 'show', id]);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /red\.nat-positive/);

    for (const args of [
      ['--accept', '--reject'],
      [],
      ['--accept'],
      ['--reject', '--colour', 'green'],
      ['--accept', '--expires', 'soon'],
      ['--accept', '--colour', 'blue', '--expires', inAWeek()],
    ]) {
      const r = await cli(lab.token, ['appeals', 'decide', id, '--reason', 'x', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    const wrong = await cli(other.token, ['appeals', 'decide', id, '--reject', '--reason', 'x']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /not_responsible/);
    const ok = await cli(lab.token, [
      'appeals',
      'decide',
      id,
      '--accept',
      '--reason',
      'Mix-up.',
      '--colour',
      'green',
      '--expires',
      inAWeek(),
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /accepted: the code shows green until/);
    const twice = await cli(lab.token, ['appeals', 'decide', id, '--reject', '--reason', 'x']);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /appeal_decided/);

    const mine = await cli(person, ['me', 'appeals']);
    assert.equal(mine.code, 0, mine.err);
    assert.match(mine.out, /accepted: green until/);
    assert.match(mine.out, /Mix-up\./);
    for (const c of [
      ['appeals', 'list'],
      ['appeals', 'decide'],
      ['appeals', 'show'],
      ['me', 'appeal'],
      ['me', 'appeals'],
    ]) {
      const h = await cli(lab.token, [...c, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.out, /--json/);
    }
  });
});
