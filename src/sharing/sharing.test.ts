import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../testing/db.js';
import { startTestServer, type TestServer } from '../testing/server.js';
import { sharingFixture } from '../testing/fixtures.js';
import type { RunningPlatform } from '../node/platform.js';
import { addWorkingDays } from './workdays.js';

describeEachEngine('sharing', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let f: Awaited<ReturnType<typeof sharingFixture>>;
  const ask = (dataset: string, extra: Record<string, unknown> = {}) =>
    f.api(f.consumer.token)('POST', '/api/v1/sharing/requests', {
      dataset,
      fields: ['citizen_id', 'person_name', 'result'],
      purposes: ['contact_tracing'],
      purposeText: 'Tracing contacts of case GD002',
      legalBasis: '《传染病防治法》第十二条',
      periodEnd: f.inAWeek,
      ...extra,
    });
  const read = (dataset: string) =>
    f.api(f.consumer.token)('GET', `/api/v1/datasets/${dataset}/records?purpose=contact_tracing&limit=2`);

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    f = await sharingFixture(platform, server.url);
  });
  after(async () => server.close());

  test('not shared: refused at once, citing the dataset’s legal basis', async () => {
    const res = await ask(f.ds.notShared);
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'refused');
    assert.match(res.body.decisionReason, /Test Act art\. 1/);
    assert.equal((await read(f.ds.notShared)).body.code, 'request_refused');
  });

  test('conditional: pending with a 10-working-day deadline; the owner approves, narrowing clear fields and period', async () => {
    const asked = Date.now();
    const res = await ask(f.ds.conditional, { clearFields: ['person_name', 'result'] });
    const answered = Date.now();
    assert.equal(res.body.status, 'pending');
    // 10 working days of the official calendar from the day it was asked, to the end of that day in China time.
    const expected = [asked, answered].map((t) => addWorkingDays(new Date(t), 10));
    assert.ok(
      expected.some((e) => e.deadline.toISOString() === res.body.deadline && e.calendar === res.body.deadlineCalendar),
      `${res.body.deadline} ${res.body.deadlineCalendar}`,
    );
    assert.match(res.body.deadline, /T15:59:59\.999Z$/);
    assert.equal((await read(f.ds.conditional)).body.code, 'grant_pending');
    const notOwner = await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {});
    assert.equal(notOwner.status, 403);
    const wider = await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {
      clearFields: ['citizen_id'],
    });
    assert.equal(wider.body.code, 'clear_fields_not_requested');
    const end = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const ok = await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {
      clearFields: ['result'],
      periodEnd: end,
      reason: '同意，用于流调',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'granted');
    assert.equal(ok.body.periodEnd, end);
    const data = (await read(f.ds.conditional)).body.items[0].data;
    assert.ok(['negative', 'positive'].includes(data.result), 'granted in clear');
    assert.match(data.person_name, /\*/, 'masked: not granted in clear');
    const again = await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {});
    assert.equal(again.status, 409);
    const detail = await f.api(f.consumer.token)('GET', `/api/v1/sharing/requests/${res.body.id}`);
    assert.deepEqual(
      detail.body.events.map((e: any) => e.action),
      ['requested', 'granted'],
    );
    assert.match(detail.body.events[1].actor, new RegExp(f.owner.id));
    assert.equal(detail.body.events[1].reason, '同意，用于流调');
  });

  test('the owner refuses with a reason; a refusal without one is a 400', async () => {
    const res = await ask(f.ds.conditional, { purposes: ['statistics'] });
    assert.equal(
      (await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/refuse`, {})).status,
      400,
    );
    const refused = await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/refuse`, {
      reason: '超出最小必要范围 (beyond minimum necessary)',
    });
    assert.equal(refused.body.status, 'refused');
    assert.equal(refused.body.decisionReason, '超出最小必要范围 (beyond minimum necessary)');
  });

  test('unanswered past the deadline: overdue, to both sides', async () => {
    const res = await ask(f.ds.conditional, { purposes: ['risk_assessment'] });
    await platform.db.query(
      `UPDATE share_requests SET created_at = now() - interval '20 days', deadline = now() - interval '1 day' WHERE id = $1`,
      [res.body.id],
    );
    for (const token of [f.consumer.token, f.owner.token]) {
      const list = await f.api(token)('GET', '/api/v1/sharing/requests?overdue=true');
      assert.deepEqual(
        list.body.items.map((r: any) => [r.id, r.overdue]),
        [[res.body.id, true]],
      );
    }
    const report = await f.api(f.third.token)('GET', '/api/v1/reports/sharing');
    assert.equal(report.body.departments.find((d: any) => d.department === f.owner.id).overdue, 1);
    await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/withdraw`, {
      reason: 'no longer needed',
    });
    assert.equal((await f.api(f.consumer.token)('GET', '/api/v1/sharing/requests?overdue=true')).body.items.length, 0);
  });

  test('grants expire; the consumer renews (unconditional: at once)', async () => {
    const res = await ask(f.ds.unconditional, {
      periodEnd: new Date(Date.now() + 1500).toISOString(),
      purposes: ['medical_care'],
    });
    assert.equal(res.body.status, 'granted');
    const live = await f.api(f.consumer.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=medical_care&limit=1`,
    );
    assert.equal(live.status, 200);
    await new Promise((r) => setTimeout(r, 1700));
    const expired = await f.api(f.consumer.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records?purpose=medical_care&limit=1`,
    );
    assert.equal(expired.status, 403);
    assert.equal(expired.body.code, 'grant_expired');
    assert.equal(
      (await f.api(f.consumer.token)('GET', `/api/v1/sharing/requests/${res.body.id}`)).body.status,
      'expired',
    );
    const renewed = await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/renew`, {
      periodEnd: f.inAWeek,
    });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(renewed.body.status, 'granted');
    assert.equal(
      (
        await f.api(f.consumer.token)(
          'GET',
          `/api/v1/datasets/${f.ds.unconditional}/records?purpose=medical_care&limit=1`,
        )
      ).status,
      200,
    );
    const tooLong = await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/renew`, {
      periodEnd: new Date(Date.now() + 400 * 86_400_000).toISOString(),
    });
    assert.equal(tooLong.body.code, 'period_too_long');
  });

  test('conditional renewal goes back to the owner; revocation ends access at once', async () => {
    const res = await ask(f.ds.conditional, { purposes: ['quarantine_management'] });
    await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/approve`, {});
    const renewal = await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/renew`, {
      periodEnd: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    assert.equal(renewal.body.status, 'pending');
    assert.equal(renewal.body.renews, res.body.id);
    const readQ = () =>
      f.api(f.consumer.token)(
        'GET',
        `/api/v1/datasets/${f.ds.conditional}/records?purpose=quarantine_management&limit=1`,
      );
    assert.equal((await readQ()).status, 200);
    const revoked = await f.api(f.owner.token)('POST', `/api/v1/sharing/requests/${res.body.id}/revoke`, {
      reason: '数据泄露风险 (leak risk)',
    });
    assert.equal(revoked.body.status, 'revoked');
    const after = await readQ();
    assert.equal(after.status, 403);
    assert.equal(after.body.code, 'grant_revoked');
    assert.equal(
      (await f.api(f.consumer.token)('POST', `/api/v1/sharing/requests/${res.body.id}/revoke`, { reason: 'x y' }))
        .status,
      403,
    );
  });

  test('bad requests: own dataset, unknown field, period in the past, unknown purpose', async () => {
    const own = await f.api(f.owner.token)('POST', '/api/v1/sharing/requests', {
      dataset: f.ds.conditional,
      fields: ['citizen_id'],
      purposes: ['statistics'],
      purposeText: 'mine mine',
      legalBasis: 'none none',
      periodEnd: f.inAWeek,
    });
    assert.equal(own.body.code, 'own_dataset');
    assert.equal((await ask(f.ds.conditional, { fields: ['shoe_size'] })).body.code, 'unknown_field');
    assert.equal((await ask(f.ds.conditional, { periodEnd: '2020-01-01T00:00:00Z' })).body.code, 'invalid_period');
    assert.equal((await ask(f.ds.conditional, { purposes: ['curiosity'] })).status, 400);
    assert.equal((await ask('no-such-dataset')).status, 404);
  });

  test('correction loop: the consumer reports an error, the owner answers; the record’s history shows both', async () => {
    const grant = await ask(f.ds.unconditional, { purposes: ['data_quality'], clearFields: ['citizen_id'] });
    assert.equal(grant.body.status, 'granted');
    const found = await f.api(f.consumer.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
      subject: f.people[1]!.citizen_id,
      purpose: 'data_quality',
    });
    const key = found.body.items[0].handle;
    const rep = await f.api(f.consumer.token)(
      'POST',
      `/api/v1/datasets/${f.ds.unconditional}/records/${key}/corrections`,
      { field: 'person_name', description: '姓名与户籍不符 (name differs from the register)' },
    );
    assert.equal(rep.status, 201, JSON.stringify(rep.body));
    const outsider = await f.api(f.third.token)(
      'POST',
      `/api/v1/datasets/${f.ds.unconditional}/records/${key}/corrections`,
      { description: 'I think it is wrong' },
    );
    assert.equal(outsider.status, 403);
    const open = await f.api(f.owner.token)('GET', '/api/v1/corrections?role=owner&status=open');
    assert.ok(open.body.items.some((c: any) => c.id === rep.body.id));
    assert.equal(
      (
        await f.api(f.consumer.token)('POST', `/api/v1/corrections/${rep.body.id}/answer`, {
          status: 'fixed',
          answer: 'done',
        })
      ).status,
      403,
    );
    const fixed = await f.api(f.owner.token)('POST', `/api/v1/corrections/${rep.body.id}/answer`, {
      status: 'rejected',
      answer: '经核查户籍信息无误 (checked against the register: correct)',
    });
    assert.equal(fixed.body.status, 'rejected');
    const ownHandle = (
      await f.api(f.owner.token)('POST', `/api/v1/datasets/${f.ds.unconditional}/records/search`, {
        subject: f.people[1]!.citizen_id,
      })
    ).body.items[0].handle;
    const hist = await f.api(f.owner.token)(
      'GET',
      `/api/v1/datasets/${f.ds.unconditional}/records/${ownHandle}/history`,
    );
    assert.deepEqual(
      hist.body.corrections.map((c: any) => [c.status, c.reporter]),
      [['rejected', f.consumer.id]],
    );
    assert.match(hist.body.corrections[0].answer, /经核查/);
  });

  test('every decision is in the audit ledger: who, which grant, and the reason', async () => {
    const entries = (
      await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq')
    ).rows.map((r) => JSON.parse(r.entry));
    const actions = new Set(entries.filter((e) => e.dataset?.startsWith('people-')).map((e) => e.action));
    for (const a of [
      'sharing.request',
      'sharing.granted',
      'sharing.refused',
      'sharing.revoked',
      'sharing.renewed',
      'sharing.withdrawn',
      'corrections.report',
      'corrections.rejected',
    ]) {
      assert.ok(actions.has(a), `${a} audited`);
    }
    const revoked = entries.find((e) => e.action === 'sharing.revoked');
    assert.equal(revoked.actor.department, f.owner.id);
    assert.match(revoked.reason, /leak risk/);
  });

  test('the mutual benefit report counts what each department gives and gets', async () => {
    const res = await f.api(f.consumer.token)('GET', '/api/v1/reports/sharing');
    assert.equal(res.status, 200);
    const owner = res.body.departments.find((d: any) => d.department === f.owner.id);
    const consumer = res.body.departments.find((d: any) => d.department === f.consumer.id);
    assert.equal(owner.datasets, 3);
    assert.equal(owner.recordsContributed, 3 * f.people.length);
    assert.ok(owner.recordsReadByOthers > 0);
    assert.equal(
      consumer.recordsConsumed,
      owner.recordsReadByOthers -
        (res.body.departments.find((d: any) => d.department === f.third.id)?.recordsConsumed ?? 0),
    );
    assert.ok(consumer.requestsMade >= 8);
    assert.ok(owner.requestsReceived >= 8);
    assert.ok(owner.requestsAnswered >= 3);
    assert.equal(typeof owner.medianAnswerHours, 'number');
  });
});
