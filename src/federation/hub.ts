// The hub: registers region nodes (pinning their node keys), fetches and checks their trust lists, and signs the
// national trust list; notifies the regions when it changes. See docs/federation.md.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { audit, makeCtx, type Ctx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { requireAdmin } from '../access/policy.js';
import { systemPrincipal } from '../access/principal.js';
import { canonicalJson } from '../core/canonical-json.js';
import { badRequest, conflict, forbidden, notFound } from '../core/problem.js';
import { verifyTrustList, type SignedTrustList, type TrustListEntryDoc } from '../healthcode/hcert/index.js';
import { kidOf, normaliseKid } from '../keys/signing.js';
import { validateDivisionCode } from '../standard/index.js';
import { peerJson } from './http.js';
import { nodeIdentity } from './identity.js';
import {
  mergeEntries,
  signNationalList,
  type NationalListDoc,
  type RegionDoc,
  type SignedNationalList,
} from './protocol/index.js';
import { getState, setState } from './state.js';
import { signNotice } from './protocol/notice.js';

interface RegionRow {
  region: string;
  url: string;
  node_kid: string;
  node_key: string;
  registered_at: Date | string;
  trust_list: TrustListEntryDoc[] | null;
  fetched_at: Date | string | null;
  last_error: string | null;
}

export interface RegionInfo {
  region: string;
  url: string;
  nodeKid: string;
  registeredAt: string;
  lastFetchedAt: string | null;
  lastError: string | null;
  keys: number;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());
const info = (r: RegionRow): RegionInfo => ({
  region: r.region,
  url: r.url,
  nodeKid: r.node_kid,
  registeredAt: iso(r.registered_at)!,
  lastFetchedAt: iso(r.fetched_at),
  lastError: r.last_error,
  keys: r.trust_list?.length ?? 0,
});

function requireHub(ctx: Ctx): void {
  if (ctx.platform.settings.federation.role !== 'hub')
    throw forbidden('not_a_hub', 'This node is not the hub (start it with --role hub).');
}

/** Registers (or re-registers) a region node: fetches its node key from its URL and pins it. */
export async function registerRegion(ctx: Ctx, input: { region: string; url: string }): Promise<RegionInfo> {
  requireAdmin(ctx);
  requireHub(ctx);
  if (validateDivisionCode(input.region) !== null)
    throw badRequest('invalid_region', `region ${input.region} is not a known GB/T 2260 code.`);
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw badRequest('invalid_url', `url ${input.url} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest('invalid_url', 'url must be http or https.');
  const base = url.origin + url.pathname.replace(/\/+$/, '');
  let node: { region?: unknown; kid?: unknown; publicKey?: unknown };
  try {
    node = await peerJson(`${base}/api/v1/federation/node`);
  } catch (e) {
    throw badRequest(
      'region_unreachable',
      `cannot fetch the node key from ${base}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (node.region !== input.region)
    throw conflict(
      'region_mismatch',
      `The node at ${base} says it is region ${String(node.region)}, not ${input.region}.`,
    );
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(String(node.publicKey), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw badRequest('invalid_node_key', `The node at ${base} published no valid node key.`);
  }
  const der = key.export({ format: 'der', type: 'spki' });
  const kid = kidOf(der);
  await ctx.db.query(
    `INSERT INTO fed_regions (region, url, node_kid, node_key, registered_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (region) DO UPDATE SET url = excluded.url, node_kid = excluded.node_kid, node_key = excluded.node_key,
       registered_by = excluded.registered_by, registered_at = now(), trust_list = NULL, fetched_at = NULL, last_error = NULL`,
    [
      input.region,
      base,
      kid,
      der.toString('base64'),
      ctx.principal.kind === 'department' ? ctx.principal.departmentId : 'system',
    ],
  );
  await audit(ctx, {
    action: 'federation.region.register',
    outcome: 'ok',
    detail: { region: input.region, url: base, nodeKid: kid },
  });
  await syncRegion(ctx.platform, input.region);
  await publishNational(ctx.platform);
  return getRegion(ctx.platform, input.region);
}

async function getRegion(p: Platform, region: string): Promise<RegionInfo> {
  const res = await p.db.query<RegionRow>('SELECT * FROM fed_regions WHERE region = $1', [region]);
  if (!res.rows[0]) throw notFound('region_not_found', `No registered region ${region}.`);
  return info(res.rows[0]);
}

export async function listRegions(p: Platform): Promise<RegionInfo[]> {
  return (await p.db.query<RegionRow>('SELECT * FROM fed_regions ORDER BY region')).rows.map(info);
}

/** Fetches one region's trust list and keeps it when its signature holds under the pinned node key. */
export async function syncRegion(p: Platform, region: string): Promise<void> {
  const row = (await p.db.query<RegionRow>('SELECT * FROM fed_regions WHERE region = $1', [region])).rows[0];
  if (!row) return;
  try {
    const signed = await peerJson<SignedTrustList>(`${row.url}/api/v1/trust-list`);
    const key = createPublicKey({ key: Buffer.from(row.node_key, 'base64'), format: 'der', type: 'spki' });
    if (!verifyTrustList(signed, key)) throw new Error('its trust list is not signed by its registered node key');
    await p.db.query(
      'UPDATE fed_regions SET trust_list = $2, fetched_at = now(), last_error = NULL WHERE region = $1',
      [region, JSON.stringify(signed.list.entries)],
    );
  } catch (e) {
    await p.db.query('UPDATE fed_regions SET last_error = $2 WHERE region = $1', [
      region,
      e instanceof Error ? e.message : String(e),
    ]);
  }
}

/** Revokes a code-signing key nationally: listed as revoked whatever its region says. Returns the kid (base64). */
export async function revokeNationally(ctx: Ctx, kidParam: string, reason: string): Promise<string> {
  requireAdmin(ctx);
  requireHub(ctx);
  const kid = normaliseKid(kidParam);
  if (kid === undefined)
    throw badRequest('invalid_kid', 'kid must be a code key id: 8 bytes in base64url (or base64).');
  await ctx.db.query(
    `INSERT INTO fed_revocations (kid, reason, revoked_by) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING`,
    [kid, reason, ctx.principal.kind === 'department' ? ctx.principal.departmentId : 'system'],
  );
  await audit(ctx, { action: 'federation.key.revoke', outcome: 'ok', reason, detail: { kid } });
  await publishNational(ctx.platform);
  return kid;
}

interface Published {
  version: number;
  hash: string;
  signed: SignedNationalList;
}

/** Builds the national list from the kept region lists; signs a new version when the content changed. */
export async function publishNational(p: Platform): Promise<{ signed: SignedNationalList; changed: boolean }> {
  // Before the transaction: PGlite has one connection, so nothing inside may wait for another query.
  const id = await nodeIdentity(p);
  return p.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['govshare.federation.national']);
    const rows = (await tx.query<RegionRow>('SELECT * FROM fed_regions ORDER BY region')).rows;
    const revoked = new Set(
      (await tx.query<{ kid: string }>('SELECT kid FROM fed_revocations')).rows.map((r) => r.kid),
    );
    const entries = mergeEntries(
      rows.map((r) => ({ region: r.region, entries: r.trust_list ?? [] })),
      revoked,
    );
    const regions: RegionDoc[] = rows.map((r) => ({
      region: r.region,
      url: r.url,
      kid: r.node_kid,
      publicKey: r.node_key,
    }));
    const hash = createHash('sha256').update(canonicalJson({ entries, regions })).digest('hex');
    const prev = await getState<Published>(tx, 'hub.national');
    if (prev && prev.hash === hash) return { signed: prev.signed, changed: false };
    const list: NationalListDoc = {
      version: (prev?.version ?? 0) + 1,
      issuedAt: new Date().toISOString(),
      issuer: p.settings.region,
      entries,
      regions,
    };
    const signed = signNationalList(list, { kid: id.kid, privateKey: id.privateKey });
    await setState(tx, 'hub.national', { version: list.version, hash, signed } satisfies Published);
    return { signed, changed: true };
  });
}

/** The national list as published now (built on first use). */
export async function nationalList(p: Platform): Promise<SignedNationalList> {
  const kept = await getState<Published>(p.db, 'hub.national');
  return kept ? kept.signed : (await publishNational(p)).signed;
}

/** Tells every region a new list is out (best effort: they also fetch on their own schedule). */
async function notifyRegions(p: Platform, version: number): Promise<void> {
  const rows = (await p.db.query<{ region: string; url: string }>('SELECT region, url FROM fed_regions')).rows;
  const id = await nodeIdentity(p);
  const at = new Date().toISOString();
  await Promise.all(
    rows.map((r) =>
      peerJson(
        `${r.url}/api/v1/federation/notify`,
        { body: signNotice({ type: 'national_list', from: p.settings.region, to: r.region, version, at }, id) },
        2_000,
      ).catch(() => undefined),
    ),
  );
}

/** One hub round: fetch every region's list, publish, notify when the national list changed. */
export async function hubRound(p: Platform): Promise<{ version: number; changed: boolean }> {
  const regions = (await p.db.query<{ region: string }>('SELECT region FROM fed_regions')).rows;
  await Promise.all(regions.map((r) => syncRegion(p, r.region)));
  const r = await publishNational(p);
  if (r.changed) {
    await notifyRegions(p, r.signed.list.version);
    await audit(makeCtx(p, systemPrincipal('federation.hub')), {
      action: 'federation.trust_list.publish',
      outcome: 'ok',
      detail: { version: r.signed.list.version, entries: r.signed.list.entries.length },
    });
  }
  return { version: r.signed.list.version, changed: r.changed };
}
