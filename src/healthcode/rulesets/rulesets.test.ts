import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningPlatform } from '../../node/platform.js';
import { describeEachEngine } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import { BASELINE_RULESET, type RuleSet } from '../rules/index.js';
import { compareVersions, ruleSetInForce } from './store.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A rule set for Shenzhen (440300), so that the baseline for the province stays as it is. */
function shenzhen(version: string, over: Partial<RuleSet> = {}): RuleSet {
  return {
    ...clone(BASELINE_RULESET),
    id: 'SZ-HEALTHCODE',
    version,
    region: '440300',
    validFrom: '2023-01-01',
    validTo: '2033-01-01T00:00:00Z',
    ...over,
  };
}

/** The same object with its keys in reverse order, everywhere (jsonb keeps an order of its own). */
function reversedKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(reversedKeys);
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  return x;
}

test('compareVersions follows semver precedence', () => {
  const ordered = [
    '0.9.0',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.2.0',
    '1.10.0',
    '2.0.0',
  ];
  for (let i = 0; i < ordered.length - 1; i++) {
    assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
  }
  assert.equal(compareVersions('1.0.0+build.5', '1.0.0'), 0, 'build metadata is ignored');
  assert.ok(
    compareVersions('1.0.0-alpha-2', '1.0.0-alpha-10') > 0,
    'a hyphen inside a pre-release is part of it (compared as text)',
  );
  assert.ok(compareVersions('1.0.0-rc.1+b', '1.0.0') < 0);
});

describeEachEngine('rule sets', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let dept: ReturnType<typeof client>;
  let anon: ReturnType<typeof client>;

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = client(server.url, (await makeDepartment(platform.db, { role: 'admin' })).token);
    dept = client(server.url, (await makeDepartment(platform.db)).token);
    anon = client(server.url);
  });
  after(async () => server.close());

  test('the baseline is there on first use, for anyone to read; the set in force falls back to the province', async () => {
    const list = await anon('GET', '/api/v1/rule-sets');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const base = list.body.items.find((s: any) => s.ruleSet.id === BASELINE_RULESET.id);
    assert.ok(base, 'the baseline is listed');
    assert.deepEqual(base.ruleSet, BASELINE_RULESET);
    assert.equal(base.publishedBy, 'system:baseline');
    assert.equal((await anon('GET', '/api/v1/rule-sets?region=440000')).body.items.length >= 1, true);
    assert.deepEqual((await anon('GET', '/api/v1/rule-sets?region=110000')).body.items, []);

    const inForce = await anon('GET', '/api/v1/rule-sets/in-force');
    assert.equal(inForce.status, 200);
    assert.equal(inForce.body.ruleSet.id, BASELINE_RULESET.id, 'the node’s region (440000) by default');
    const county = await anon('GET', '/api/v1/rule-sets/in-force?region=440106');
    assert.equal(
      county.body.ruleSet.version,
      BASELINE_RULESET.version,
      'a county without a set of its own has its province’s',
    );
    const none = await anon('GET', '/api/v1/rule-sets/in-force?region=110105');
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'no_rule_set_in_force');
    const tooEarly = await anon('GET', '/api/v1/rule-sets/in-force?region=440000&at=2021-06-01T00:00:00Z');
    assert.equal(tooEarly.status, 404, 'before the baseline’s validity');

    const one = await anon('GET', `/api/v1/rule-sets/${BASELINE_RULESET.id}/${BASELINE_RULESET.version}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.ruleSet, BASELINE_RULESET);
    assert.equal((await anon('GET', `/api/v1/rule-sets/${BASELINE_RULESET.id}/9.9.9`)).status, 404);
  });

  test('an administrator publishes a new version; the set in force for the region is then the new one', async () => {
    const v1 = await admin('POST', '/api/v1/rule-sets', shenzhen('1.0.0'));
    assert.equal(v1.status, 201, JSON.stringify(v1.body));
    assert.equal(v1.body.ruleSet.version, '1.0.0');
    let inForce = await anon('GET', '/api/v1/rule-sets/in-force?region=440303');
    assert.equal(
      inForce.body.ruleSet.id,
      'SZ-HEALTHCODE',
      'a Shenzhen district has Shenzhen’s set, not the province’s',
    );
    assert.equal(inForce.body.ruleSet.version, '1.0.0');

    const rules = shenzhen('1.10.0').rules.slice(0, 3);
    const v110 = await admin(
      'POST',
      '/api/v1/rule-sets',
      shenzhen('1.10.0', { rules, validFrom: '2024-01-01T00:00:00+08:00' }),
    );
    assert.equal(v110.status, 201);
    const v19 = await admin('POST', '/api/v1/rule-sets', shenzhen('1.9.0'));
    assert.equal(v19.status, 201);
    inForce = await anon('GET', '/api/v1/rule-sets/in-force?region=440300');
    assert.equal(inForce.body.ruleSet.version, '1.10.0', 'the highest version by semver, not the newest publication');
    assert.equal(inForce.body.ruleSet.rules.length, 3);
    const earlier = await anon('GET', '/api/v1/rule-sets/in-force?region=440300&at=2023-06-01T00:00:00Z');
    assert.equal(earlier.body.ruleSet.version, '1.9.0', 'before 1.10.0 applies');
    // A bare date is midnight UTC (CertLogic's reading), whatever the database session's time zone.
    const edge = await ruleSetInForce(platform.db, '440300', new Date('2023-01-01T00:00:00Z'));
    assert.equal(edge?.version, '1.9.0');
    const before = await ruleSetInForce(platform.db, '440300', new Date('2022-12-31T23:59:59.999Z'));
    assert.equal(before?.id, BASELINE_RULESET.id, 'before Shenzhen’s sets apply, the province’s');

    const listed = await anon('GET', '/api/v1/rule-sets?region=440300');
    assert.deepEqual(listed.body.items.map((s: any) => s.ruleSet.version).sort(), ['1.0.0', '1.10.0', '1.9.0']);

    const res = await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries ORDER BY seq');
    const entries = res.rows
      .map((r) => JSON.parse(r.entry))
      .filter((e) => e.action === 'healthcode.ruleset.publish' && e.detail.ruleSet === 'SZ-HEALTHCODE');
    assert.deepEqual(
      entries.map((e) => e.detail.version),
      ['1.0.0', '1.10.0', '1.9.0'],
    );
    assert.equal(entries[0].actor.kind, 'department');
  });

  test('publishing the same version again: identical is accepted, different is a conflict (409)', async () => {
    const first = await admin('POST', '/api/v1/rule-sets', shenzhen('2.0.0-rc.1'));
    assert.equal(first.status, 201);
    const same = await admin('POST', '/api/v1/rule-sets', reversedKeys(shenzhen('2.0.0-rc.1')));
    assert.equal(same.status, 200, `identical content in another key order: ${JSON.stringify(same.body)}`);
    assert.equal(same.body.publishedAt, first.body.publishedAt);
    const changed = shenzhen('2.0.0-rc.1', { description: { 'zh-CN': '改动', en: 'changed' } });
    const conflict = await admin('POST', '/api/v1/rule-sets', changed);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, 'rule_set_version_exists');
    assert.deepEqual(
      (await anon('GET', '/api/v1/rule-sets/SZ-HEALTHCODE/2.0.0-rc.1')).body.ruleSet,
      shenzhen('2.0.0-rc.1'),
      'unchanged',
    );
    const baseline = await admin('POST', '/api/v1/rule-sets', {
      ...clone(BASELINE_RULESET),
      rules: BASELINE_RULESET.rules.slice(1),
    });
    assert.equal(baseline.status, 409, 'the baseline version cannot be replaced');
  });

  test('an invalid rule set is refused with 422 and every problem the validator found; a malformed body with 400', async () => {
    const bad = shenzhen('one', { region: '449999', validFrom: '2030-01-01', validTo: '2025-01-01' });
    bad.rules = [
      { ...bad.rules[0]!, colour: 'green' as 'red', logic: { '>': [{ var: 'salary' }, 1] } },
      { ...bad.rules[0]! },
    ];
    const res = await admin('POST', '/api/v1/rule-sets', bad);
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'invalid_rule_set');
    const issues: string[] = res.body.issues;
    for (const want of [
      /version "one"/,
      /validFrom must be before validTo/,
      /colour must be "yellow" or "red"/,
      /salary/,
      /duplicate rule id/,
      /region 449999/,
    ]) {
      assert.ok(
        issues.some((i) => want.test(i)),
        `${want}: ${issues.join(' | ')}`,
      );
    }
    const empty = await admin('POST', '/api/v1/rule-sets', shenzhen('3.0.0', { rules: [] }));
    assert.equal(empty.status, 422);
    assert.ok(empty.body.issues.some((i: string) => /non-empty/.test(i)));
    const noLogic = clone(shenzhen('3.0.0')) as any;
    delete noLogic.rules[0].logic;
    assert.equal((await admin('POST', '/api/v1/rule-sets', noLogic)).status, 400);
    const extra = await admin('POST', '/api/v1/rule-sets', { ...shenzhen('3.0.0'), author: 'me' });
    assert.equal(extra.status, 400);
    assert.match(extra.body.detail, /author/);
    assert.equal((await admin('POST', '/api/v1/rule-sets', { ...shenzhen('3.0.0'), rules: 'all' })).status, 400);
    assert.equal((await anon('GET', '/api/v1/rule-sets?region=44')).status, 400);
    assert.equal((await anon('GET', '/api/v1/rule-sets/in-force?at=yesterday')).status, 400);
    assert.equal((await anon('GET', '/api/v1/rule-sets/SZ-HEALTHCODE/3.0.0')).status, 404, 'nothing stored');
  });

  test('only a data-center administrator publishes (403; 401 without a token)', async () => {
    const res = await dept('POST', '/api/v1/rule-sets', shenzhen('4.0.0'));
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'admin_required');
    assert.equal((await anon('POST', '/api/v1/rule-sets', shenzhen('4.0.0'))).status, 401);
    assert.equal((await anon('GET', '/api/v1/rule-sets/SZ-HEALTHCODE/4.0.0')).status, 404);
  });
});
