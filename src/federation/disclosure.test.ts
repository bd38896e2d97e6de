// A message carrying a person's data to another region is never sent unaudited: it is committed held, with its
// disclosure, and released only once the disclosure's audit entry is durable. Here: the state a process leaves
// when it stops between the commit and the audit, and the next round auditing and releasing it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newId } from '../core/ids.js';
import { describeEachEngine } from '../testing/db.js';
import { deliverDue } from './messages.js';
import { releaseDisclosures } from './events.js';

describeEachEngine('federation disclosures held until audited', (getPlatform) => {
  test('a held disclosure left by a stopped process is audited with the person as subject, then released', async () => {
    const p = await getPlatform();
    const id = newId('msg');
    const subject = randomBytes(24).toString('base64url'); // stands for a person's blind index
    // What the producing transaction commits: the message held (not due) and its disclosure.
    await p.db.query(
      `INSERT INTO fed_outbox (id, to_region, type, message, next_attempt_at) VALUES ($1, '110000', 'case', '{}'::jsonb, now() + interval '100 years')`,
      [id],
    );
    await p.db.query(
      `INSERT INTO fed_disclosures (message_id, subject, dataset, fields, to_region, type) VALUES ($1, $2, 'case-reports', $3::jsonb, '110000', 'case')`,
      [id, subject, JSON.stringify(['citizen_id', 'diagnosis', 'report_time'])],
    );
    // Held: the sender does not pick it up (a standalone node has no peers: nothing is due at all).
    const due = await p.db.query('SELECT 1 FROM fed_outbox WHERE id = $1 AND next_attempt_at <= now()', [id]);
    assert.equal(due.rows.length, 0);
    await deliverDue(p);
    assert.equal(
      (await p.db.query('SELECT 1 FROM fed_outbox WHERE id = $1 AND delivered_at IS NULL', [id])).rows.length,
      1,
    );

    // A younger disclosure may still be audited by its own process: left alone.
    assert.equal(await releaseDisclosures(p, { olderThanMs: 3_600_000 }), 0);
    assert.equal(await releaseDisclosures(p, { olderThanMs: 0 }), 1);

    await p.ledger.flush();
    const entries = (
      await p.db.query<{ entry: string }>(
        'SELECT e.entry FROM audit_subjects s JOIN audit_entries e ON e.seq = s.seq WHERE s.subject = $1',
        [subject],
      )
    ).rows.map((r) => JSON.parse(r.entry));
    assert.equal(entries.length, 1, 'in the access log of that person');
    const e = entries[0];
    assert.equal(e.action, 'records.disclosed');
    assert.equal(e.dataset, 'case-reports');
    assert.equal(e.purpose, 'epidemic_control');
    assert.deepEqual(e.fields, ['citizen_id', 'diagnosis', 'report_time']);
    assert.deepEqual(e.detail, { mode: 'system', job: 'federation.events', to: '110000', type: 'case', message: id });
    // Released: due now, and the disclosure is no longer pending.
    assert.equal(
      (await p.db.query('SELECT 1 FROM fed_outbox WHERE id = $1 AND next_attempt_at <= now()', [id])).rows.length,
      1,
    );
    assert.equal((await p.db.query('SELECT 1 FROM fed_disclosures WHERE message_id = $1', [id])).rows.length, 0);
    assert.equal(await releaseDisclosures(p, { olderThanMs: 0 }), 0, 'audited once');
  });
});
