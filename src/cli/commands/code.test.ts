// The code commands against a real server on loopback (in-process CLI, real fetch).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine } from '../../testing/db.js';
import { makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import type { RunningPlatform } from '../../node/platform.js';
import { generateCitizenId } from '../../standard/index.js';
import { memoryIo, type MemoryIo } from '../io.js';
import { run } from '../program.js';

describeEachEngine('govshare code', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let dir: string;
  let admin: string;
  let checkpoint: string;
  let seq = 500;
  const citizen = () => generateCitizenId('440104', '19920930', ++seq);

  /** Runs the CLI; `offline` gives it a fetch that always fails (no server reachable). */
  async function cli(
    args: string[],
    opts: { token?: string; offline?: boolean; stdin?: string } = {},
  ): Promise<{ code: number; io: MemoryIo }> {
    const io = memoryIo({
      env: { GOVSHARE_URL: server.url, ...(opts.token ? { GOVSHARE_TOKEN: opts.token } : {}) },
      ...(opts.offline ? {} : { fetch: globalThis.fetch }),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    });
    return { code: await run(args, io), io };
  }
  const issue = async () => {
    const r = await cli(['code', 'issue', citizen(), '--json'], { token: admin });
    assert.equal(r.code, 0, r.io.stderr());
    return JSON.parse(r.io.stdout()) as { code: string; kid: string; colour: string };
  };

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = (await makeDepartment(platform.db, { role: 'admin' })).token;
    checkpoint = (await makeDepartment(platform.db)).token;
    dir = mkdtempSync(join(tmpdir(), 'govshare-code-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('code issue prints the code text; --qr writes an SVG or PNG; another extension is a usage error', async () => {
    const plain = await cli(['code', 'issue', citizen()], { token: admin });
    assert.equal(plain.code, 0, plain.io.stderr());
    assert.match(plain.io.stdout(), /^GSHC1:[^\n]+\n$/);
    assert.match(plain.io.stderr(), /green code, key .+, expires /);
    const svg = join(dir, 'code.svg');
    const withQr = await cli(['code', 'issue', citizen(), '--qr', svg], { token: admin });
    assert.equal(withQr.code, 0, withQr.io.stderr());
    assert.match(readFileSync(svg, 'utf8'), /<svg[\s\S]*<\/svg>/);
    const png = join(dir, 'code.png');
    assert.equal((await cli(['code', 'issue', citizen(), '--qr', png], { token: admin })).code, 0);
    assert.deepEqual([...readFileSync(png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const gif = await cli(['code', 'issue', citizen(), '--qr', join(dir, 'code.gif')], { token: admin });
    assert.equal(gif.code, 2);
    assert.match(gif.io.stderr(), /must end in \.svg or \.png/);
    const bad = await cli(['code', 'issue', '440104199209300000'], { token: admin });
    assert.equal(bad.code, 1);
    assert.match(bad.io.stderr(), /check character .*invalid_citizen_id, HTTP 400/);
    const notAdmin = await cli(['code', 'issue', citizen()], { token: checkpoint });
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.io.stderr(), /admin_required, HTTP 403/);
  });

  test('code verify works offline with a saved trust list: exit 0 when valid, 1 when not', async () => {
    const issued = await issue();
    const file = join(dir, 'trust.json');
    const saved = await cli(['code', 'trust-list', '--out', file]);
    assert.equal(saved.code, 0, saved.io.stderr());
    assert.match(saved.io.stderr(), /trust list version \d+ .* saved to/);
    const ok = await cli(['code', 'verify', issued.code, '--trust-list', file], { offline: true });
    assert.equal(ok.code, 0, ok.io.stderr());
    const v = JSON.parse(ok.io.stdout());
    assert.deepEqual(
      [v.valid, v.reason, v.colour, v.region, v.kid],
      [true, 'ok', 'green', platform.settings.region, issued.kid],
    );
    assert.ok(v.expiresAt);
    const asJson = await cli(['code', 'verify', issued.code, '--trust-list', file, '--json'], { offline: true });
    assert.equal(asJson.code, 0, asJson.io.stderr());
    assert.deepEqual(JSON.parse(asJson.io.stdout()), v, '--json is accepted and prints the same verdict');
    const fromStdin = await cli(['code', 'verify', '-', '--trust-list', file], {
      offline: true,
      stdin: `${issued.code}\n`,
    });
    assert.equal(fromStdin.code, 0, fromStdin.io.stderr());

    for (const [code, reason] of [
      ['GSHC1:abc', 'bad_base45'],
      ['HC1:NCFOXN', 'wrong_prefix'],
      [issued.code.slice(0, 6 + 33), 'bad_compression'],
    ] as const) {
      const bad = await cli(['code', 'verify', code, '--trust-list', file], { offline: true });
      assert.equal(bad.code, 1, code);
      const out = JSON.parse(bad.io.stdout());
      assert.deepEqual([out.valid, out.reason], [false, reason], code);
      assert.equal(typeof out.detail, 'string');
    }
  });

  test('code verify fetches and checks the trust list when none is given; a tampered list is refused', async () => {
    const issued = await issue();
    const fetched = await cli(['code', 'verify', issued.code]);
    assert.equal(fetched.code, 0, fetched.io.stderr());
    assert.equal(JSON.parse(fetched.io.stdout()).valid, true);
    const printed = await cli(['code', 'trust-list']);
    const doc = JSON.parse(printed.io.stdout());
    doc.list.entries[0].validTo = '2099-01-01T00:00:00.000Z';
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(doc));
    const refused = await cli(['code', 'verify', issued.code, '--trust-list', tampered], { offline: true });
    assert.equal(refused.code, 1);
    assert.match(refused.io.stderr(), /signature of .*tampered\.json does not verify/);
    assert.equal(refused.io.stdout(), '');
    const pinned = await cli(['code', 'verify', issued.code, '--signer', 'AAAAAAAAAAA=']);
    assert.equal(pinned.code, 1);
    assert.match(pinned.io.stderr(), /not the pinned signer/);
    const missing = await cli(['code', 'verify', issued.code, '--trust-list', join(dir, 'nope.json')], {
      offline: true,
    });
    assert.equal(missing.code, 1);
    assert.match(missing.io.stderr(), /cannot read the trust list/);
  });

  test('code check answers with the current colour; code rotate-key and revoke-key', async () => {
    const issued = await issue();
    const checked = await cli(['code', 'check', issued.code, '--venue', 'GZ-YX-0042'], { token: checkpoint });
    assert.equal(checked.code, 0, checked.io.stderr());
    const answer = JSON.parse(checked.io.stdout());
    assert.deepEqual(
      [answer.valid, answer.colour, answer.colourInCode, answer.changedSinceIssue, answer.source],
      [true, 'green', 'green', false, 'issuer'],
    );
    const badCheck = await cli(['code', 'check', 'GSHC1:abc'], { token: checkpoint });
    assert.equal(badCheck.code, 1);
    assert.equal(JSON.parse(badCheck.io.stdout()).reason, 'bad_base45');

    const rotated = await cli(['code', 'rotate-key', '--json'], { token: admin });
    assert.equal(rotated.code, 0, rotated.io.stderr());
    const { active, retired } = JSON.parse(rotated.io.stdout());
    assert.deepEqual(retired, [issued.kid]);
    assert.equal((await cli(['code', 'verify', issued.code])).code, 0, 'the old code still verifies after rotation');
    const newer = await issue();
    assert.equal(newer.kid, active.kid);

    const revoked = await cli(['code', 'revoke-key', issued.kid, '--reason', 'test'], { token: admin });
    assert.equal(revoked.code, 0, revoked.io.stderr());
    assert.match(revoked.io.stdout(), /is revoked; active key: /);
    const after = await cli(['code', 'verify', issued.code]);
    assert.equal(after.code, 1);
    assert.equal(JSON.parse(after.io.stdout()).reason, 'key_revoked');
    const keys = await cli(['code', 'keys'], { token: admin });
    assert.equal(keys.code, 0, keys.io.stderr());
    assert.match(keys.io.stdout(), /revoked/);
    const badKid = await cli(['code', 'revoke-key', 'nope'], { token: admin });
    assert.equal(badKid.code, 2);
    assert.match(badKid.io.stderr(), /not a code key id/);
  });

  test('every code command has --help', async () => {
    for (const c of ['issue', 'verify', 'trust-list', 'check', 'keys', 'rotate-key', 'revoke-key']) {
      const r = await cli(['code', c, '--help'], { offline: true });
      assert.equal(r.code, 0, c);
      assert.match(r.io.stdout(), new RegExp(`^Usage: govshare code ${c}`));
    }
  });
});
