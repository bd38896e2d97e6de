import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { describeEachEngine } from '../../testing/db.js';
import { client, makeDepartment, startTestServer, type TestServer } from '../../testing/server.js';
import type { RunningPlatform } from '../../node/platform.js';
import { generateCitizenId } from '../../standard/index.js';
import { subjectOf } from '../../records/keys.js';
import { activeSigningKey } from '../../keys/signing.js';
import { codeSubOf } from '../status/service.js';
import { base45Decode, base45Encode } from '../hcert/base45.js';
import { CODE_PREFIX, codeKeyFrom, issueCode, verifyTrustList, type SignedTrustList } from '../hcert/index.js';
import { codeKeysChanged } from './cache.js';
import { lingerMs, renewCodeKey } from './keys.js';
import { buildTrustList } from './trustlist.js';

const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const pack = (bytes: Uint8Array) => CODE_PREFIX + base45Encode(deflateSync(bytes));

/** Decodes a code by hand (zlib, CBOR, COSE_Sign1, CWT map): protected header and raw claim map. */
function decodeCode(text: string): { header: Map<number, unknown>; claims: Map<number, unknown>; parts: unknown[] } {
  assert.ok(text.startsWith(CODE_PREFIX));
  const cose = decoder.decode(inflateSync(base45Decode(text, CODE_PREFIX.length)!)) as Tag;
  assert.equal(cose.tag, 18);
  const parts = cose.value as unknown[];
  return { header: decoder.decode(parts[0] as Uint8Array), claims: decoder.decode(parts[2] as Uint8Array), parts };
}

/** The same code with one signature byte flipped. */
function flipSignature(text: string): string {
  const { parts } = decodeCode(text);
  const sig = Buffer.from(parts[3] as Uint8Array);
  sig[10] = sig[10]! ^ 0xff;
  return pack(encoder.encode(new Tag([parts[0], new Map(), parts[2], sig], 18)));
}

describeEachEngine('health codes: issue, trust list, verify, keys', (getPlatform) => {
  let platform: RunningPlatform;
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof makeDepartment>>;
  let dept: Awaited<ReturnType<typeof makeDepartment>>;
  const anon = () => client(server.url);
  let seq = 100;
  const citizen = () => generateCitizenId('440106', '19850203', ++seq);
  const issue = async (citizenId = citizen()) => {
    const res = await client(server.url, admin.token)('POST', '/api/v1/codes', { citizenId });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { code: string; colour: string; kid: string; cti: string; expiresAt: string; issuedAt: string };
  };
  const verify = async (code: string) => {
    const res = await anon()('POST', '/api/v1/codes/verify', { code });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const trustList = async () =>
    (await anon()('GET', '/api/v1/trust-list')).body as SignedTrustList & {
      signer: { kid: string; publicKey: string };
    };
  /** A code signed with the node's active code key at another time (ms). */
  const signedAt = async (now: number, sub = 'somebody-unknown') => {
    const k = await activeSigningKey(platform.db, platform.ring, 'code');
    return issueCode(
      { iss: platform.settings.region, sub, colour: 'green', ruleSet: 'GD-HC', ruleVersion: '1', now, ttlSeconds: 300 },
      codeKeyFrom(k.privateKey),
    ).text;
  };

  before(async () => {
    platform = await getPlatform();
    server = await startTestServer(platform);
    admin = await makeDepartment(platform.db, { role: 'admin' });
    dept = await makeDepartment(platform.db);
    await issue();
    // Make the node's code key a day old, so codes "issued" in the past (expired ones) fall inside its validity.
    await platform.db.query(`UPDATE node_keys SET created_at = created_at - interval '1 day' WHERE purpose = 'code'`);
    codeKeysChanged(platform.db);
  });
  after(async () => server.close());

  test('an administrator issues a code; the claims decode by hand and hold no ID number or name', async () => {
    const id = citizen();
    const issued = await issue(id);
    assert.match(issued.code, /^GSHC1:[0-9A-Z $%*+\-./:]+$/);
    assert.equal(issued.colour, 'green');
    const { header, claims } = decodeCode(issued.code);
    assert.equal(header.get(1), -7);
    assert.equal(Buffer.from(header.get(4) as Uint8Array).toString('base64'), issued.kid);
    assert.equal(claims.get(1), platform.settings.region);
    const subject = subjectOf(platform.ring, id);
    assert.equal(claims.get(2), codeSubOf(platform.ring, subject));
    assert.equal((claims.get(4) as number) - (claims.get(6) as number), platform.settings.codeTtlSeconds);
    assert.equal(Buffer.from(claims.get(7) as Uint8Array).toString('hex'), issued.cti);
    const hc = (claims.get(-260) as Map<number, Map<string, unknown>>).get(1)!;
    assert.equal(hc.get('c'), 'green');
    assert.equal(typeof hc.get('rs'), 'string');
    const everything = JSON.stringify(
      [...claims].map(
        ([k, v]) => [k, v instanceof Map ? [...v] : v],
        (_k: string, v: unknown) => (v instanceof Map ? [...v] : v),
      ),
    );
    assert.ok(
      !everything.includes(id) && !everything.includes(id.slice(0, 17)) && !everything.includes(subject),
      everything,
    );
    assert.equal(
      new Date(issued.expiresAt).getTime() - new Date(issued.issuedAt).getTime(),
      platform.settings.codeTtlSeconds * 1000,
    );
    assert.deepEqual(await verify(issued.code), {
      valid: true,
      reason: 'ok',
      colour: 'green',
      region: platform.settings.region,
      kid: issued.kid,
      issuedAt: issued.issuedAt,
      expiresAt: issued.expiresAt,
      ruleSet: hc.get('rs'),
      ruleVersion: hc.get('rv'),
    });
  });

  test('a person gets their own code (JSON, SVG, PNG) with the same pseudonymous sub; they see the administrator’s issuance', async () => {
    const id = citizen();
    await issue(id);
    const token = (await client(server.url, admin.token)('POST', '/api/v1/persons/tokens', { citizenId: id })).body
      .token as string;
    const me = client(server.url, token);
    const mine = await me('GET', '/api/v1/me/code');
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.equal(decodeCode(mine.body.code).claims.get(2), codeSubOf(platform.ring, subjectOf(platform.ring, id)));
    assert.equal((await verify(mine.body.code)).valid, true);
    const svg = await me('GET', '/api/v1/me/code?format=svg');
    assert.equal(svg.status, 200);
    assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(svg.body as string, /<svg[\s\S]*<\/svg>/);
    const png = await fetch(`${server.url}/api/v1/me/code?format=png`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.deepEqual([...Buffer.from(await png.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal((await me('GET', '/api/v1/me/code?format=gif')).status, 400);
    const log = (await me('GET', '/api/v1/me/access-log')).body.items as {
      action: string;
      department: string | null;
    }[];
    assert.ok(
      log.some((e) => e.action === 'healthcode.code.issue' && e.department === admin.id),
      'the administrator’s issuance is in the person’s log',
    );
    assert.ok(
      log.some((e) => e.action === 'healthcode.code.issue' && e.department === null),
      'so is their own',
    );
  });

  test('bad input and the wrong caller get clear 4xx answers', async () => {
    const asAdmin = client(server.url, admin.token);
    const bad = await asAdmin('POST', '/api/v1/codes', { citizenId: '440106198502030000' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_citizen_id');
    assert.match(bad.body.detail, /check character/);
    assert.equal((await asAdmin('POST', '/api/v1/codes', { citizenId: '12345' })).body.code, 'invalid_citizen_id');
    assert.equal((await asAdmin('POST', '/api/v1/codes', {})).body.code, 'validation_failed');
    assert.equal((await asAdmin('POST', '/api/v1/codes', { citizenId: citizen(), name: 'x' })).status, 400);
    assert.equal(
      (await client(server.url, dept.token)('POST', '/api/v1/codes', { citizenId: citizen() })).body.code,
      'admin_required',
    );
    assert.equal((await anon()('POST', '/api/v1/codes', { citizenId: citizen() })).status, 401);
    assert.equal((await client(server.url, dept.token)('GET', '/api/v1/me/code')).body.code, 'person_token_required');
    assert.equal((await anon()('POST', '/api/v1/codes/verify', {})).body.code, 'validation_failed');
    assert.equal((await anon()('POST', '/api/v1/codes/verify', { code: 42 })).status, 400);
    assert.equal(
      (await anon()('POST', '/api/v1/codes/verify', 'not json', { 'content-type': 'application/json' })).body.code,
      'malformed_json',
    );
    assert.equal((await client(server.url, dept.token)('GET', '/api/v1/admin/code-keys')).status, 403);
    assert.equal((await client(server.url, dept.token)('POST', '/api/v1/admin/code-keys/rotate')).status, 403);
    assert.equal((await asAdmin('POST', '/api/v1/admin/code-keys/not-a-kid/revoke', {})).body.code, 'invalid_kid');
    assert.equal(
      (await asAdmin('POST', '/api/v1/admin/code-keys/AAAAAAAAAAA/revoke', {})).body.code,
      'code_key_not_found',
    );
  });

  test('the trust list is public and signed by the node key; tampering breaks the signature', async () => {
    const doc = await trustList();
    const signer = createPublicKey({ key: Buffer.from(doc.signer.publicKey, 'base64'), format: 'der', type: 'spki' });
    assert.ok(verifyTrustList(doc, signer));
    assert.equal(doc.signature.kid, doc.signer.kid);
    const nodeKey = await platform.db.query<{ kid: string }>(
      `SELECT kid FROM node_keys WHERE purpose = 'node' AND status = 'active'`,
    );
    assert.equal(doc.signer.kid, nodeKey.rows[0]!.kid);
    assert.equal(doc.list.issuer, platform.settings.region);
    const active = doc.list.entries.filter((e) => e.status === 'active');
    assert.equal(active.length, 1);
    assert.equal(active[0]!.alg, 'ES256');
    assert.equal(Date.parse(active[0]!.validTo) - Date.parse(active[0]!.validFrom) >= 365 * 86_400_000 - 1000, true);
    const tampered = structuredClone(doc);
    tampered.list.entries[0]!.status = 'revoked';
    assert.equal(verifyTrustList(tampered, signer), false);
    const older = structuredClone(doc);
    older.list.version -= 1;
    assert.equal(verifyTrustList(older, signer), false);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    assert.equal(verifyTrustList(doc, stranger), false);
  });

  test('every failure reason comes back as a 200 verdict', async () => {
    const good = (await issue()).code;
    const body = good.slice(CODE_PREFIX.length);
    const foreign = codeKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const cases: [string, string][] = [
      ['HC1:' + body, 'wrong_prefix'],
      [CODE_PREFIX + body.slice(0, 5) + 'a' + body.slice(6), 'bad_base45'],
      [CODE_PREFIX + base45Encode(Buffer.from('not zlib at all')), 'bad_compression'],
      [pack(Buffer.from([0xff, 0xff])), 'malformed'],
      [CODE_PREFIX + 'A'.repeat(17_000), 'malformed'],
      [pack(encoder.encode(new Map([[1, 2]]))), 'not_cose'],
      [
        issueCode(
          { iss: platform.settings.region, sub: 'x1', colour: 'green', ruleSet: 'R', ruleVersion: '1' },
          foreign,
        ).text,
        'unknown_kid',
      ],
      [flipSignature(good), 'bad_signature'],
      [await signedAt(Date.now() - 20 * 60_000), 'expired'],
      [await signedAt(Date.now() + 10 * 60_000), 'not_yet_valid'],
    ];
    for (const [code, reason] of cases) {
      const v = await verify(code);
      assert.equal(v.valid, false, reason);
      assert.equal(v.reason, reason, `${reason}: ${JSON.stringify(v)}`);
      assert.equal(typeof v.detail, 'string');
      assert.equal(v.colour, undefined, 'an invalid code shows no colour');
    }
    const expired = await verify(await signedAt(Date.now() - 20 * 60_000));
    assert.ok(expired.expiresAt && Date.parse(expired.expiresAt) < Date.now());
  });

  test('rotation: new codes carry the new kid, old codes keep verifying, the retired key leaves the list after its codes expire', async () => {
    const asAdmin = client(server.url, admin.token);
    const before = await issue();
    const listBefore = await trustList();
    const rotated = await asAdmin('POST', '/api/v1/admin/code-keys/rotate');
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    const newKid = rotated.body.active.kid as string;
    assert.notEqual(newKid, before.kid);
    assert.deepEqual(rotated.body.retired, [before.kid]);
    const after = await issue();
    assert.equal(after.kid, newKid, 'new codes are signed by the new key at once');
    assert.equal((await verify(before.code)).reason, 'ok', 'a code signed before the rotation lives out its lifetime');
    assert.equal((await verify(after.code)).reason, 'ok');
    const list = await trustList();
    assert.ok(list.list.version > listBefore.list.version);
    const old = list.list.entries.find((e) => e.kid === before.kid)!;
    assert.equal(old.status, 'retired');
    assert.equal(list.list.entries.find((e) => e.kid === newKid)!.status, 'active');
    const keys = (await asAdmin('GET', '/api/v1/admin/code-keys')).body.items as {
      kid: string;
      status: string;
      listed: boolean;
      retiredAt: string;
    }[];
    const oldInfo = keys.find((k) => k.kid === before.kid)!;
    assert.equal(oldInfo.status, 'retired');
    assert.equal(oldInfo.listed, true);

    // With an injected clock: listed until retired_at + linger, gone after.
    const leaves = Date.parse(oldInfo.retiredAt) + lingerMs(platform.settings);
    const kids = async (now: number) =>
      (await buildTrustList(platform, now)).value.published.list.entries.map((e) => e.kid);
    assert.ok((await kids(leaves - 1000)).includes(before.kid));
    const later = await buildTrustList(platform, leaves + 1000);
    assert.ok(!later.value.published.list.entries.some((e) => e.kid === before.kid));
    assert.ok(later.value.published.list.version > list.list.version, 'leaving changes the version');

    // The same through the API: move the retirement back past the linger, as if that time had passed.
    await platform.db.query(`UPDATE node_keys SET retired_at = retired_at - $2::interval WHERE kid = $1`, [
      before.kid,
      `${lingerMs(platform.settings) + 1000} milliseconds`,
    ]);
    codeKeysChanged(platform.db);
    const gone = await trustList();
    assert.ok(!gone.list.entries.some((e) => e.kid === before.kid));
    assert.equal((await verify(before.code)).reason, 'unknown_kid');
    assert.equal((await verify(after.code)).reason, 'ok');
    assert.equal(
      (await asAdmin('GET', '/api/v1/admin/code-keys')).body.items.find((k: any) => k.kid === before.kid).listed,
      false,
    );
  });

  test('the code-key worker step makes the first key, leaves a young key, renews one a day before its end', async () => {
    const active = async () =>
      (
        await platform.db.query<{ kid: string }>(
          `SELECT kid FROM node_keys WHERE purpose = 'code' AND status = 'active'`,
        )
      ).rows.map((r) => r.kid);
    const first = await renewCodeKey(platform);
    assert.deepEqual(await active(), [first.kid]);
    assert.deepEqual(await renewCodeKey(platform), { kid: first.kid, made: 'none' });
    await platform.db.query(`UPDATE node_keys SET created_at = now() - interval '364 days 1 hour' WHERE kid = $1`, [
      first.kid,
    ]);
    const renewed = await renewCodeKey(platform);
    assert.equal(renewed.made, 'renewed');
    assert.notEqual(renewed.kid, first.kid);
    assert.deepEqual(await active(), [renewed.kid]);
    const old = await platform.db.query<{ status: string }>('SELECT status FROM node_keys WHERE kid = $1', [first.kid]);
    assert.equal(old.rows[0]!.status, 'retired');
    // New codes carry the renewed key.
    assert.equal((await issue()).kid, renewed.kid);
  });

  test('revocation: codes of a revoked key fail with key_revoked; revoking the active key makes a new one', async () => {
    const asAdmin = client(server.url, admin.token);
    const first = await issue();
    await asAdmin('POST', '/api/v1/admin/code-keys/rotate');
    const second = await issue();
    assert.notEqual(first.kid, second.kid);
    const kidUrl = Buffer.from(first.kid, 'base64').toString('base64url');
    const res = await asAdmin('POST', `/api/v1/admin/code-keys/${kidUrl}/revoke`, { reason: 'key leaked in test' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.revoked.status, 'revoked');
    assert.equal(res.body.active.kid, second.kid);
    const v = await verify(first.code);
    assert.equal(v.reason, 'key_revoked');
    assert.equal(v.kid, first.kid);
    assert.equal((await verify(second.code)).reason, 'ok');
    const entry = (await trustList()).list.entries.find((e) => e.kid === first.kid);
    assert.equal(entry?.status, 'revoked', 'a revoked key stays listed, as revoked');
    assert.equal(
      (await asAdmin('POST', `/api/v1/admin/code-keys/${kidUrl}/revoke`, {})).body.code,
      'code_key_already_revoked',
    );

    // The active key, by its base64 kid (URL-encoded) and without a body.
    const revokeActive = await asAdmin('POST', `/api/v1/admin/code-keys/${encodeURIComponent(second.kid)}/revoke`);
    assert.equal(revokeActive.status, 200, JSON.stringify(revokeActive.body));
    assert.notEqual(revokeActive.body.active.kid, second.kid);
    assert.equal((await verify(second.code)).reason, 'key_revoked');
    const third = await issue();
    assert.equal(third.kid, revokeActive.body.active.kid);
    assert.equal((await verify(third.code)).reason, 'ok');
    const actions = (await platform.db.query<{ entry: string }>('SELECT entry FROM audit_entries')).rows.map(
      (r) => JSON.parse(r.entry).action as string,
    );
    assert.ok(actions.includes('healthcode.key.rotate') && actions.includes('healthcode.key.revoke'));
  });
});
