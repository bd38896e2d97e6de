import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  codeKeyFrom,
  issueCode,
  signTrustList,
  trustListEntry,
  trustLookup,
  verifyCode,
  verifyTrustList,
  type KeyStatus,
  type TrustListDoc,
} from './index.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2022-04-01T00:00:00Z');
const ROTATE = Date.parse('2022-05-01T00:00:00Z'); // the old key's validTo and the new key's validFrom
const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...codeKeyFrom(privateKey), publicKey };
};
const oldKey = newKey();
const newerKey = newKey();
const nodeKey = newKey();

function list(oldStatus: KeyStatus, version: number): TrustListDoc {
  return {
    version,
    issuedAt: new Date(ROTATE).toISOString(),
    issuer: '440000',
    entries: [
      trustListEntry(oldKey.publicKey, { region: '440100', validFrom: T0, validTo: ROTATE, status: oldStatus }),
      trustListEntry(newerKey.publicKey, {
        region: '440100',
        validFrom: ROTATE,
        validTo: ROTATE + 365 * DAY,
        status: 'active',
      }),
    ],
  };
}
const issue = (k: typeof oldKey, now: number) =>
  issueCode({ iss: '440100', sub: 'anon-9', colour: 'green', ruleSet: 'GD-HC', ruleVersion: '7', now }, k).text;

describe('key rotation', () => {
  const signed = signTrustList(list('retired', 2), nodeKey);
  assert.ok(verifyTrustList(signed, nodeKey.publicKey));
  const trust = trustLookup(signed.list);

  test('old key retired but within validTo, new key active: codes from both verify', () => {
    const fromOld = issue(oldKey, ROTATE - 2 * MIN);
    const fromNew = issue(newerKey, ROTATE + MIN);
    assert.equal(verifyCode(fromOld, trust, ROTATE - MIN).reason, 'ok');
    assert.equal(verifyCode(fromNew, trust, ROTATE + 2 * MIN).reason, 'ok');
    // a code signed just before validTo lives out its short TTL: validity bounds signing time (iat)
    assert.equal(verifyCode(fromOld, trust, ROTATE + MIN).reason, 'ok');
  });

  test('after the old key validTo: its codes expire, and anything it signs later is refused', () => {
    const fromOld = issue(oldKey, ROTATE - 2 * MIN);
    assert.equal(verifyCode(fromOld, trust, ROTATE + 10 * MIN).reason, 'expired');
    const lateOld = issue(oldKey, ROTATE + MIN);
    const r = verifyCode(lateOld, trust, ROTATE + 2 * MIN);
    assert.equal(r.reason, 'key_not_valid_at_issue');
    assert.equal(verifyCode(issue(newerKey, ROTATE + MIN), trust, ROTATE + 2 * MIN).reason, 'ok');
  });

  test('old key revoked: its unexpired codes fail at once; the new key is unaffected', () => {
    const fromOld = issue(oldKey, ROTATE - 2 * MIN);
    const fromNew = issue(newerKey, ROTATE + MIN);
    const revokedList = signTrustList(list('revoked', 3), nodeKey);
    assert.ok(verifyTrustList(revokedList, nodeKey.publicKey));
    const after = trustLookup(revokedList.list);
    const r = verifyCode(fromOld, after, ROTATE - MIN);
    assert.equal(r.reason, 'key_revoked');
    assert.equal(r.kid, oldKey.kid.toString('base64'));
    assert.equal(verifyCode(fromNew, after, ROTATE + 2 * MIN).reason, 'ok');
  });
});
