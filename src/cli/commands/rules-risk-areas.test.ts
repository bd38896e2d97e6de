// `govshare rules` and `govshare risk-areas` against the real server on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_RULESET } from '../../healthcode/rules/index.js';
import type { RunningPlatform } from '../../node/platform.js';
import { describeEachEngine } from '../../testing/db.js';
import { makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import { memoryIo, type MemoryIo } from '../io.js';
import { run } from '../program.js';

describeEachEngine('govshare rules and risk-areas', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let adminToken: string;
  let deptToken: string;
  let dir: string;

  /** Runs the CLI with real fetch against the test server. */
  async function cli(args: string[], token?: string, stdin?: string): Promise<{ code: number; io: MemoryIo }> {
    const io = memoryIo({
      env: { GOVSHARE_URL: server.url, ...(token ? { GOVSHARE_TOKEN: token } : {}) },
      fetch: globalThis.fetch,
      ...(stdin !== undefined ? { stdin } : {}),
    });
    const code = await run(args, io);
    return { code, io };
  }

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    adminToken = (await makeDepartment(platform.db, { role: 'admin' })).token;
    deptToken = (await makeDepartment(platform.db)).token;
    dir = mkdtempSync(join(tmpdir(), 'govshare-rules-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every command has --help', async () => {
    for (const c of [
      ['rules', 'list'],
      ['rules', 'show'],
      ['rules', 'publish'],
      ['risk-areas', 'list'],
      ['risk-areas', 'show'],
      ['risk-areas', 'declare'],
      ['risk-areas', 'case'],
      ['risk-areas', 'set'],
      ['risk-areas', 'lift'],
      ['risk-areas', 'sweep'],
      ['risk-areas', 'division'],
    ]) {
      const { code, io } = await cli([...c, '--help']);
      assert.equal(code, 0, c.join(' '));
      assert.match(io.stdout(), new RegExp(`^Usage: govshare ${c.join(' ')}`));
      assert.match(io.stdout(), /--json/, `${c.join(' ')} has --json`);
    }
  });

  test('rules list and show print the rules in the chosen language; --json prints the answer', async () => {
    const list = await cli(['rules', 'list']);
    assert.equal(list.code, 0, list.io.stderr());
    assert.match(list.io.stdout(), /^ID +VERSION +REGION/);
    assert.match(list.io.stdout(), /GD-HEALTHCODE +1\.0\.0 +440000/);
    const json = await cli(['rules', 'list', '--json', '--region', '440000']);
    assert.ok(JSON.parse(json.io.stdout()).items.some((s: any) => s.ruleSet.id === 'GD-HEALTHCODE'));

    const show = await cli(['rules', 'show', 'GD-HEALTHCODE']);
    assert.equal(show.code, 0, show.io.stderr());
    assert.match(show.io.stdout(), /^id: +GD-HEALTHCODE$/m);
    assert.match(show.io.stdout(), /^RULE +COLOUR +DESCRIPTION$/m);
    assert.match(show.io.stdout(), /^red\.case-confirmed +red +Confirmed or asymptomatic case/m);
    const zh = await cli(['rules', 'show', 'GD-HEALTHCODE', '1.0.0', '--lang', 'zh-CN']);
    assert.equal(zh.code, 0, zh.io.stderr());
    assert.match(zh.io.stdout(), /^red\.case-confirmed +red +确诊病例或无症状感染者/m);
    const asJson = await cli(['rules', 'show', 'GD-HEALTHCODE', '1.0.0', '--json']);
    assert.deepEqual(JSON.parse(asJson.io.stdout()).ruleSet, BASELINE_RULESET);

    const missing = await cli(['rules', 'show', 'NOPE']);
    assert.equal(missing.code, 1);
    assert.match(missing.io.stderr(), /no rule set NOPE/);
    const missingVersion = await cli(['rules', 'show', 'GD-HEALTHCODE', '9.9.9']);
    assert.equal(missingVersion.code, 1);
    assert.match(missingVersion.io.stderr(), /rule_set_not_found, HTTP 404/);
    const badRegion = await cli(['rules', 'list', '--region', '44']);
    assert.equal(badRegion.code, 2);
  });

  test('rules publish: an administrator publishes from a file or standard input; invalid sets list every problem', async () => {
    const doc = { ...BASELINE_RULESET, id: 'ZH-HEALTHCODE', region: '440400', version: '1.0.0' };
    const file = join(dir, 'zh.json');
    writeFileSync(file, JSON.stringify(doc));
    const res = await cli(['rules', 'publish', file], adminToken);
    assert.equal(res.code, 0, res.io.stderr());
    assert.match(res.io.stdout(), /^published rule set ZH-HEALTHCODE 1\.0\.0 for region 440400 \(\d+ rules/);
    const v2 = await cli(['rules', 'publish', '-', '--json'], adminToken, JSON.stringify({ ...doc, version: '1.2.0' }));
    assert.equal(v2.code, 0, v2.io.stderr());
    assert.equal(JSON.parse(v2.io.stdout()).ruleSet.version, '1.2.0');
    // Not in force for the node's region (440000): show takes the highest version.
    const show = await cli(['rules', 'show', 'ZH-HEALTHCODE', '--json']);
    assert.equal(JSON.parse(show.io.stdout()).ruleSet.version, '1.2.0');

    const conflict = await cli(
      ['rules', 'publish', '-'],
      adminToken,
      JSON.stringify({ ...doc, rules: doc.rules.slice(1) }),
    );
    assert.equal(conflict.code, 1);
    assert.match(conflict.io.stderr(), /rule_set_version_exists, HTTP 409/);

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...doc, version: 'v2', validTo: '2000-01-01' }));
    const bad = await cli(['rules', 'publish', join(dir, 'bad.json')], adminToken);
    assert.equal(bad.code, 1);
    assert.match(
      bad.io.stderr(),
      /^govshare: The rule set is not valid: .*\(invalid_rule_set, HTTP 422\)\n {2}- version "v2" is not a semantic version/,
    );
    assert.match(bad.io.stderr(), /^ {2}- validFrom must be before validTo$/m);

    const forbidden = await cli(['rules', 'publish', file], deptToken);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.io.stderr(), /admin_required, HTTP 403/);
    const noFile = await cli(['rules', 'publish', join(dir, 'nope.json')], adminToken);
    assert.equal(noFile.code, 1);
    assert.match(noFile.io.stderr(), /no such file/);
    writeFileSync(join(dir, 'broken.json'), '{"id":');
    const broken = await cli(['rules', 'publish', join(dir, 'broken.json')], adminToken);
    assert.equal(broken.code, 1);
    assert.match(broken.io.stderr(), /is not valid JSON/);
  });

  test('risk-areas declare, list, show, case, set, lift, sweep and division', async () => {
    const declared = await cli(
      [
        'risk-areas',
        'declare',
        '--division',
        '440303',
        '--name-zh',
        '罗湖区某街道',
        '--name-en',
        'A Luohu street',
        '--level',
        'high',
        '--place',
        'V-1',
        '--place',
        '罗湖站',
        '--json',
      ],
      adminToken,
    );
    assert.equal(declared.code, 0, declared.io.stderr());
    const area = JSON.parse(declared.io.stdout());
    assert.deepEqual(area.places, ['V-1', '罗湖站']);
    assert.equal(area.level, 'high');

    const human = await cli(
      [
        'risk-areas',
        'declare',
        '--division',
        '440303',
        '--name-zh',
        '乙',
        '--name-en',
        'B',
        '--level',
        'low',
        '--place',
        'V-2',
      ],
      adminToken,
    );
    assert.equal(human.code, 0, human.io.stderr());
    assert.match(
      human.io.stdout(),
      /^declared low-risk area RA-[0-9A-F]{12} in 440303 from .* \(1 places\); lifted by rule at /,
    );

    const list = await cli(['risk-areas', 'list', '--division', '440303']);
    assert.equal(list.code, 0, list.io.stderr());
    assert.match(list.io.stdout(), /^ID +LEVEL +DIVISION +STATE/);
    assert.match(list.io.stdout(), new RegExp(`^${area.id} +high +440303 +in force .* 2 +A Luohu street$`, 'm'));
    const zh = await cli(['risk-areas', 'list', '--division', '440303', '--lang', 'zh-CN']);
    assert.match(zh.io.stdout(), new RegExp(`^${area.id} +高风险 +440303 +生效中 .*罗湖区某街道$`, 'm'));
    const show = await cli(['risk-areas', 'show', area.id]);
    assert.match(show.io.stdout(), /^places: +V-1, 罗湖站$/m);

    const kase = await cli(['risk-areas', 'case', area.id], adminToken);
    assert.equal(kase.code, 0, kase.io.stderr());
    assert.match(kase.io.stdout(), new RegExp(`^case recorded in ${area.id}`));
    const set = await cli(['risk-areas', 'set', area.id, '--level', 'medium'], adminToken);
    assert.equal(set.code, 0, set.io.stderr());
    assert.equal(set.io.stdout(), `${area.id} is now medium-risk with 2 places\n`);

    const division = await cli(['risk-areas', 'division', '440303']);
    assert.equal(division.code, 0, division.io.stderr());
    assert.match(division.io.stdout(), /^status: +not back to routine/m);
    assert.match(division.io.stdout(), /^medium: +1$/m);

    const lift = await cli(['risk-areas', 'lift', area.id, '--reason', 'tracing finished'], adminToken);
    assert.equal(lift.code, 0, lift.io.stderr());
    assert.match(lift.io.stdout(), new RegExp(`^lifted ${area.id} at `));
    const again = await cli(['risk-areas', 'lift', area.id, '--reason', 'again'], adminToken);
    assert.equal(again.code, 1);
    assert.match(again.io.stderr(), /risk_area_lifted, HTTP 409/);
    const routine = await cli(['risk-areas', 'division', '440303', '--json']);
    assert.equal(JSON.parse(routine.io.stdout()).routine, true);

    const inForce = await cli(['risk-areas', 'list', '--division', '440303', '--json']);
    assert.ok(
      !JSON.parse(inForce.io.stdout()).items.some((a: any) => a.id === area.id),
      'a lifted area is not listed without --all',
    );
    const all = await cli(['risk-areas', 'list', '--division', '440303', '--all', '--json']);
    assert.ok(JSON.parse(all.io.stdout()).items.some((a: any) => a.id === area.id));

    const sweep = await cli(['risk-areas', 'sweep', '--json'], adminToken);
    assert.equal(sweep.code, 0, sweep.io.stderr());
    assert.ok(Array.isArray(JSON.parse(sweep.io.stdout()).lifted));
    const denied = await cli(['risk-areas', 'sweep'], deptToken);
    assert.equal(denied.code, 1);
    assert.match(denied.io.stderr(), /admin_required, HTTP 403/);
    const declareDenied = await cli(
      [
        'risk-areas',
        'declare',
        '--division',
        '440303',
        '--name-zh',
        '丙',
        '--name-en',
        'C',
        '--level',
        'low',
        '--place',
        'V-3',
      ],
      deptToken,
    );
    assert.equal(declareDenied.code, 1);
    const unknownDivision = await cli(
      [
        'risk-areas',
        'declare',
        '--division',
        '449999',
        '--name-zh',
        '丙',
        '--name-en',
        'C',
        '--level',
        'low',
        '--place',
        'V-3',
      ],
      adminToken,
    );
    assert.equal(unknownDivision.code, 1);
    assert.match(unknownDivision.io.stderr(), /invalid_division, HTTP 400/);
  });

  test('risk-areas usage errors exit 2 before any request', async () => {
    const base = ['risk-areas', 'declare', '--division', '440303', '--name-zh', '甲', '--name-en', 'A'];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--level', 'severe', '--place', 'x'], /argument 'severe' is invalid/],
      [[...base, '--level', 'high'], /required option '--place <place>' not specified/],
      [
        [
          ...base.slice(0, 2),
          '--division',
          '4403',
          '--name-zh',
          '甲',
          '--name-en',
          'A',
          '--level',
          'high',
          '--place',
          'x',
        ],
        /6-digit division code/,
      ],
      [[...base, '--level', 'high', '--place', 'x'.repeat(65)], /1 to 64 characters/],
      [[...base, '--level', 'high', '--place', 'x', '--starts-at', 'soon'], /ISO 8601/],
      [['risk-areas', 'lift', 'RA-1'], /required option '--reason <text>' not specified/],
      [['risk-areas', 'set', 'RA-1'], /give --level, --place or both/],
      [['risk-areas', 'case'], /missing required argument 'id'/],
      [['risk-areas', 'division', '44'], /6-digit division code/],
      [['rules', 'show'], /missing required argument 'id'/],
      [['rules', 'publish'], /missing required argument 'file'/],
    ];
    for (const [args, message] of cases) {
      const io = memoryIo({ fetch: () => Promise.reject(new Error('no request expected')) });
      const code = await run(args, io);
      assert.equal(code, 2, args.join(' '));
      assert.match(io.stderr(), message, args.join(' '));
      assert.equal(io.stdout(), '');
    }
  });
});
