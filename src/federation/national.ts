// A region node's copy of the national trust list: fetched from the hub on a schedule and when notified, checked
// with the hub's pinned key, never rolled back, kept in the database so verification goes on when the hub is down.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Platform } from '../platform/platform.js';
import { trustLookup, type TrustLookup } from '../healthcode/hcert/index.js';
import { kidOf } from '../keys/signing.js';
import { nationalList } from './hub.js';
import { peerJson } from './http.js';
import { nodeIdentity } from './identity.js';
import { verifyNationalList, type NationalListDoc, type RegionDoc, type SignedNationalList } from './protocol/index.js';
import { getState, setState } from './state.js';

interface PinnedHub {
  kid: string;
  publicKey: string; // DER SPKI base64
  url: string;
}

interface Kept {
  signed: SignedNationalList;
  fetchedAt: string;
}

export interface SyncState {
  version: number | null;
  fetchedAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  hubKid: string | null;
}

const spkiKey = (b64: string): KeyObject =>
  createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });

/** The hub's key: from the node's configuration (GOVSHARE_HUB_KEY, `hubKey`), else pinned on first contact (trust on first use). */
async function pinnedHub(p: Platform, hubUrl: string): Promise<PinnedHub> {
  const configured = p.settings.federation.hubKey;
  if (configured) {
    const pin: PinnedHub = { kid: kidOf(Buffer.from(configured, 'base64')), publicKey: configured, url: hubUrl };
    const kept = await getState<PinnedHub>(p.db, 'region.hub');
    if (kept?.publicKey !== configured) await setState(p.db, 'region.hub', pin);
    return pin;
  }
  const kept = await getState<PinnedHub>(p.db, 'region.hub');
  if (kept) return kept;
  const node = await peerJson<{ role?: unknown; kid?: unknown; publicKey?: unknown }>(
    `${hubUrl}/api/v1/federation/node`,
  );
  if (node.role !== 'hub' || typeof node.publicKey !== 'string') throw new Error(`${hubUrl} is not a govshare hub`);
  const der = spkiKey(node.publicKey).export({ format: 'der', type: 'spki' });
  const pin: PinnedHub = { kid: kidOf(der), publicKey: der.toString('base64'), url: hubUrl };
  await setState(p.db, 'region.hub', pin);
  return pin;
}

const lastAttempt = new WeakMap<Platform, { at: string; error: string | null }>();
const fetches = new WeakMap<Platform, number>();

/** How many times this process fetched the national list from the hub (operators' status; tests count it). */
export const nationalFetches = (p: Platform): number => fetches.get(p) ?? 0;

/** The hub key this region trusts without asking anyone: configured, else pinned on first contact; else none. */
export async function pinnedHubKey(p: Platform): Promise<{ kid: string; publicKey: KeyObject } | undefined> {
  const configured = p.settings.federation.hubKey;
  const b64 = configured ?? (await getState<PinnedHub>(p.db, 'region.hub'))?.publicKey;
  if (!b64) return undefined;
  const der = Buffer.from(b64, 'base64');
  return { kid: kidOf(der), publicKey: spkiKey(b64) };
}

/** The version of the national list this region keeps (0 when none). */
export async function keptNationalVersion(p: Platform): Promise<number> {
  return (await getState<Kept>(p.db, 'region.national'))?.signed.list.version ?? 0;
}

/** Fetches the national list now; keeps it when it verifies and is not older than the kept one. */
export async function syncNational(p: Platform): Promise<{ version: number; changed: boolean }> {
  const hubUrl = p.settings.federation.hubUrl;
  if (!hubUrl) throw new Error('no hub configured');
  const at = new Date().toISOString();
  fetches.set(p, nationalFetches(p) + 1);
  try {
    const pin = await pinnedHub(p, hubUrl);
    // The hub serves its key alongside as `signer`; the pinned key is what counts, so only { list, signature } is checked.
    const served = await peerJson<{ list?: unknown; signature?: unknown } | null>(
      `${hubUrl}/api/v1/federation/trust-list`,
    );
    const body = { list: served?.list, signature: served?.signature };
    const v = verifyNationalList(body, spkiKey(pin.publicKey));
    if (!v.ok) throw new Error(`the hub's national list does not verify: ${v.reason}`);
    const kept = await getState<Kept>(p.db, 'region.national');
    const keptVersion = kept?.signed.list.version ?? 0;
    if (v.list.version < keptVersion)
      throw new Error(`the hub sent version ${v.list.version}, older than the kept ${keptVersion}`);
    const changed = v.list.version !== keptVersion;
    await setState(p.db, 'region.national', { signed: body as SignedNationalList, fetchedAt: at } satisfies Kept);
    if (changed) cache.delete(p);
    lastAttempt.set(p, { at, error: null });
    return { version: v.list.version, changed };
  } catch (e) {
    lastAttempt.set(p, { at, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

export async function syncState(p: Platform): Promise<SyncState> {
  const [kept, pin] = await Promise.all([
    getState<Kept>(p.db, 'region.national'),
    getState<PinnedHub>(p.db, 'region.hub'),
  ]);
  const a = lastAttempt.get(p);
  return {
    version: kept?.signed.list.version ?? null,
    fetchedAt: kept?.fetchedAt ?? null,
    lastAttemptAt: a?.at ?? null,
    lastError: a?.error ?? null,
    hubKid: pin?.kid ?? null,
  };
}

export interface National {
  list: NationalListDoc | undefined;
  lookup: TrustLookup;
  regions: Map<string, RegionDoc & { key: KeyObject }>;
}

const EMPTY: National = { list: undefined, lookup: () => undefined, regions: new Map() };
const cache = new WeakMap<Platform, { at: number; value: Promise<National> }>();
const TTL_MS = 2_000;

async function load(p: Platform): Promise<National> {
  const kept = p.settings.federation.role === 'hub' ? undefined : await getState<Kept>(p.db, 'region.national');
  const signed =
    p.settings.federation.role === 'hub'
      ? (await getState<{ signed: SignedNationalList }>(p.db, 'hub.national'))?.signed
      : kept?.signed;
  if (!signed) return EMPTY;
  const list = signed.list;
  const regions = new Map(list.regions.map((r) => [r.region, { ...r, key: spkiKey(r.publicKey) }]));
  return {
    list,
    lookup: trustLookup({ version: list.version, issuedAt: list.issuedAt, issuer: list.issuer, entries: list.entries }),
    regions,
  };
}

/** The kept national list as a trust lookup and a directory of regions (cached briefly). */
export function national(p: Platform): Promise<National> {
  if (p.settings.federation.role === 'standalone') return Promise.resolve(EMPTY);
  const hit = cache.get(p);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = load(p);
  value.catch(() => cache.delete(p));
  cache.set(p, { at: Date.now(), value });
  return value;
}

export const dropNationalCache = (p: Platform): void => void cache.delete(p);

/** The national list as this node serves it, with the hub's key as `signer` (so `govshare code verify` can check it). */
export async function servedNationalList(
  p: Platform,
): Promise<(SignedNationalList & { signer: { kid: string; publicKey: string } }) | undefined> {
  const role = p.settings.federation.role;
  if (role === 'standalone') return undefined;
  if (role === 'hub') {
    const [signed, id] = await Promise.all([nationalList(p), nodeIdentity(p)]);
    return { ...signed, signer: { kid: id.kid, publicKey: id.publicDer.toString('base64') } };
  }
  const [kept, pin] = await Promise.all([
    getState<Kept>(p.db, 'region.national'),
    getState<PinnedHub>(p.db, 'region.hub'),
  ]);
  return kept && pin ? { ...kept.signed, signer: { kid: pin.kid, publicKey: pin.publicKey } } : undefined;
}
