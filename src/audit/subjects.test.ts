// How entries name people: salted per entry, so two entries share no value; membership still checkable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { blindEntry, namesSubject, subjectHash, subjectValue } from './subjects.js';

const alice = 'A'.repeat(32);
const bob = 'B'.repeat(32);
const input = {
  action: 'records.read' as const,
  outcome: 'ok' as const,
  actor: { kind: 'department' as const, department: 'gd-cdc', token: 'tok_x' },
  dataset: 'ds',
  subjects: [bob, alice, bob],
};

test('each entry gets its own salt; subjects are salted hashes, sorted, without repeats; the ids are not in it', () => {
  const one = blindEntry(input, '2026-01-01T00:00:00.000Z');
  const two = blindEntry(input, '2026-01-01T00:00:00.000Z');
  assert.equal(one.v, 2);
  assert.match(one.salt!, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(one.salt, two.salt);
  assert.equal(one.subjects!.length, 2);
  assert.deepEqual(one.subjects, [...one.subjects!].sort());
  for (const s of one.subjects!) assert.match(s, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(one.subjects!.filter((s) => two.subjects!.includes(s)).length, 0, 'no value in common');
  assert.ok(!JSON.stringify(one).includes(alice) && !JSON.stringify(one).includes(bob));
  assert.ok(namesSubject(one, alice) && namesSubject(one, bob) && !namesSubject(one, 'C'.repeat(32)));
});

test('the value is base64url(HMAC-SHA256(key = salt bytes, subject)), as docs/audit.md says', () => {
  const salt = Buffer.alloc(16, 7);
  const e = blindEntry({ ...input, subjects: [alice] }, '2026-01-01T00:00:00.000Z', salt);
  const expected = createHmac('sha256', salt).update(alice, 'utf8').digest('base64url');
  assert.equal(e.salt, salt.toString('base64url'));
  assert.deepEqual(e.subjects, [expected]);
  assert.equal(subjectHash(e.salt!, alice), expected);
  assert.equal(subjectValue(e, alice), expected);
});

test('a person actor is salted too; an entry naming nobody has no salt; format 1 names the id itself', () => {
  const p = blindEntry(
    { action: 'person.access_log_viewed', outcome: 'ok', actor: { kind: 'person', person: alice }, subjects: [alice] },
    '2026-01-01T00:00:00.000Z',
  );
  assert.equal(p.actor.person, p.subjects![0]);
  assert.notEqual(p.actor.person, alice);
  const none = blindEntry(
    { action: 'tokens.revoke', outcome: 'ok', actor: { kind: 'system', reason: 't' }, subjects: [] },
    '2026-01-01T00:00:00.000Z',
  );
  assert.equal(none.salt, undefined);
  assert.equal(none.subjects, undefined);
  assert.ok(namesSubject({ v: 1, subjects: [alice] }, alice));
  assert.equal(subjectValue({ v: 1 }, alice), alice);
});
