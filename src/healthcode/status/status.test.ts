import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from '../../testing/db.js';
import { daysAgoDate, healthFixture, hoursAgo, newCitizen, type HealthFixture } from '../../testing/health.js';
import type { RunningPlatform } from '../../node/platform.js';
import { createJob, getJob, runJob } from './job.js';
import { currentStatus, enqueueRecompute, recomputeSubjects, statusHistory } from './service.js';
import { drainOnce } from './worker.js';

describeEachEngine('health status from shared data', (getPlatform) => {
  let p: RunningPlatform;
  let fx: HealthFixture;
  const setup = async () => {
    if (!fx) {
      p = await getPlatform();
      fx = await healthFixture(p);
      await drainOnce(p); // start following from here
    }
  };

  test('a person with negative tests only is green; a positive NAT makes them red with the record as evidence', async () => {
    await setup();
    const id = newCitizen();
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(30), result: 'negative', lab_code: 'GZ-LAB' },
    ]);
    const s = fx.subject(id);
    const green = await currentStatus(p, s);
    assert.equal(green.colour, 'green');
    assert.deepEqual(green.reasons, []);
    assert.equal(green.ruleSet, 'GD-HEALTHCODE');
    assert.ok(green.codeSub.length > 10 && green.codeSub !== s && !green.codeSub.includes(id));

    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(2), result: 'positive', lab_code: 'GZ-LAB' },
    ]);
    const r = await drainOnce(p);
    assert.ok(r.processed >= 1);
    const red = await currentStatus(p, s);
    assert.equal(red.colour, 'red');
    assert.equal(red.reasons[0]!.rule, 'red.nat-positive');
    assert.ok(red.reasons[0]!.evidence.some((e) => e.dataset === fx.ids['nucleic-acid-results']));
    const hist = await statusHistory(p.db, s);
    assert.deepEqual(
      hist.map((h) => h.colour),
      ['red'],
      'everyone starts green: the first green status is no change',
    );
    assert.equal(hist[0]!.previous, 'green');
    assert.equal(hist[0]!.cause, 'new-data');
  });

  test('a secondary contact is yellow; two negative NATs 24 h apart after exposure bring them back to green', async () => {
    await setup();
    const id = newCitizen();
    await fx.put('close-contacts', [
      { case_id: `C${Date.now()}`, citizen_id: id, contact_type: 'secondary', exposure_date: daysAgoDate(2) },
    ]);
    const s = fx.subject(id);
    await drainOnce(p);
    assert.equal((await currentStatus(p, s)).colour, 'yellow');
    assert.equal((await currentStatus(p, s)).reasons[0]!.rule, 'yellow.secondary-contact');
    await fx.put('nucleic-acid-results', [
      { citizen_id: id, sample_time: hoursAgo(30), result: 'negative', lab_code: 'GZ-LAB' },
      { citizen_id: id, sample_time: hoursAgo(3), result: 'negative', lab_code: 'GZ-LAB' },
    ]);
    await drainOnce(p);
    assert.equal((await currentStatus(p, s)).colour, 'green');
  });

  test('a close contact in quarantine is red; inbound quarantine orders and fever declarations are read too', async () => {
    await setup();
    const close = newCitizen();
    const inbound = newCitizen();
    const fever = newCitizen();
    await fx.put('close-contacts', [
      {
        case_id: 'CASE-0001',
        citizen_id: close,
        contact_type: 'close',
        exposure_date: daysAgoDate(1),
        quarantine_start: daysAgoDate(0),
        quarantine_end: daysAgoDate(-6),
      },
    ]);
    await fx.put('inbound-travellers', [
      {
        citizen_id: inbound,
        arrival_time: hoursAgo(30),
        quarantine_start: daysAgoDate(1),
        quarantine_end: daysAgoDate(-6),
      },
    ]);
    await fx.put('symptom-declarations', [
      { citizen_id: fever, declaration_time: hoursAgo(5), temperature: 38.2, symptoms: 'cough' },
    ]);
    const r = await recomputeSubjects(p, [close, inbound, fever].map(fx.subject), 'test');
    const colour = (id: string) => r.statuses.get(fx.subject(id))!;
    assert.equal(colour(close).colour, 'red');
    assert.equal(colour(close).reasons[0]!.rule, 'red.close-contact');
    assert.equal(colour(inbound).colour, 'red');
    assert.equal(colour(inbound).reasons[0]!.rule, 'red.quarantine-order');
    assert.equal(colour(fever).colour, 'yellow');
    assert.equal(colour(fever).reasons[0]!.rule, 'yellow.symptoms');
  });

  test('incremental recompute touches only the people in the new batch', async () => {
    await setup();
    const ids = [newCitizen(), newCitizen(), newCitizen()];
    await fx.put(
      'nucleic-acid-results',
      ids.map((id) => ({ citizen_id: id, sample_time: hoursAgo(20), result: 'negative', lab_code: 'GZ-LAB' })),
    );
    await drainOnce(p);
    const before = await Promise.all(ids.map((id) => currentStatus(p, fx.subject(id))));
    await fx.put('case-reports', [
      {
        case_id: `K${Date.now()}`,
        citizen_id: ids[1],
        diagnosis: 'confirmed',
        report_time: hoursAgo(1),
        division_code: '440106',
      },
    ]);
    const r = await drainOnce(p);
    assert.equal(r.processed, 1, 'only the person in the new case report is recomputed');
    assert.equal(r.changed, 1);
    const after = await Promise.all(ids.map((id) => currentStatus(p, fx.subject(id))));
    assert.equal(after[1]!.colour, 'red');
    assert.equal(after[1]!.reasons[0]!.rule, 'red.case-confirmed');
    for (const i of [0, 2]) {
      assert.equal(after[i]!.colour, 'green');
      assert.equal(after[i]!.computedAt, before[i]!.computedAt, 'untouched people are not recomputed');
    }
    // Nothing new: nothing is recomputed.
    assert.equal((await drainOnce(p)).processed, 0);
  });

  test('risk areas: declaring one turns its visitors yellow, lifting it turns them green again', async () => {
    await setup();
    const visitor = newCitizen();
    const other = newCitizen();
    const venue = `V${Date.now().toString(36).toUpperCase()}`;
    await fx.put('venue-scans', [
      { citizen_id: visitor, venue_code: venue, scan_time: hoursAgo(5) },
      { citizen_id: other, venue_code: 'VOTHER01', scan_time: hoursAgo(5) },
    ]);
    await drainOnce(p);
    const area = `RA-T${Date.now()}`;
    await p.db.query(
      `INSERT INTO risk_areas (id, division, name, level, places, starts_at, declared_by) VALUES ($1, '440106', '{"zh-CN":"测试","en":"test"}', 'medium', $2, $3, 'test')`,
      [area, [venue], hoursAgo(24)],
    );
    const r = await drainOnce(p);
    assert.equal(r.areas, 1, 'only the visitor is affected');
    const s = await currentStatus(p, fx.subject(visitor));
    assert.equal(s.colour, 'yellow');
    assert.equal(s.reasons[0]!.rule, 'yellow.risk-area');
    assert.equal((await currentStatus(p, fx.subject(other))).colour, 'green');
    // A visit after the area is lifted does not count; lifting recomputes the visitor (stays green for the other).
    await p.db.query(`UPDATE risk_areas SET ends_at = $2, lifted_by = 'manual', updated_at = now() WHERE id = $1`, [
      area,
      hoursAgo(6),
    ]);
    await drainOnce(p);
    assert.equal((await currentStatus(p, fx.subject(visitor))).colour, 'green');
  });

  test('queued people are recomputed by the worker', async () => {
    await setup();
    const id = newCitizen();
    await fx.put('antigen-results', [{ citizen_id: id, test_time: hoursAgo(2), result: 'positive' }]);
    await drainOnce(p);
    await enqueueRecompute(p.db, [fx.subject(id)], 'test');
    const r = await drainOnce(p);
    assert.equal(r.dirty, 1);
    assert.equal((await currentStatus(p, fx.subject(id))).colour, 'yellow');
  });

  test('the full recompute covers everyone and resumes after an interruption', async () => {
    await setup();
    const ids = [newCitizen(), newCitizen(), newCitizen(), newCitizen()];
    await fx.put(
      'nucleic-acid-results',
      ids.map((id) => ({ citizen_id: id, sample_time: hoursAgo(10), result: 'negative', lab_code: 'GZ-LAB' })),
    );
    const total = (
      await p.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT subject FROM records WHERE valid_to IS NULL AND subject IS NOT NULL UNION SELECT subject FROM health_status) u`,
      )
    ).rows[0]!.n;
    const job = await createJob(p.db, 'test');
    const partial = await runJob(p, job.id, { maxChunks: 2, chunkSize: 3 });
    assert.equal(partial.status, 'running');
    assert.equal(partial.processed, 6);
    assert.ok(partial.cursor);
    // "Restart": a new run picks up at the saved cursor.
    const done = await runJob(p, job.id, { chunkSize: 3 });
    assert.equal(done.status, 'done');
    assert.equal(done.processed, total, 'every person exactly once');
    for (const id of ids) assert.equal((await currentStatus(p, fx.subject(id))).colour, 'green');
    assert.deepEqual(await getJob(p.db, job.id), done);
  });
});
