// The node's signed trust list: its code-signing keys (active, retired until their codes expire, revoked), signed
// with the node's 'node' key. Cached per process briefly; a key change in this process rebuilds it at once.
import { createPublicKey } from 'node:crypto';
import type { Platform } from '../../platform/platform.js';
import {
  codeKeyFrom,
  signTrustList,
  trustListEntry,
  trustLookup,
  type SignedTrustList,
  type TrustListEntryDoc,
  type TrustLookup,
} from '../hcert/index.js';
import { DbCache } from './cache.js';
import { lockedActiveKey } from '../../keys/signing.js';
import { codeKeyRows, keyWindow } from './keys.js';

/** How long a built list (and its lookup) is reused; another process's key change is seen within this time. */
export const TRUST_CACHE_MS = 5000;

/** The signed list plus the signer's public key, so a verifier can check the signature (pin it to trust it). */
export interface PublishedTrustList extends SignedTrustList {
  signer: { kid: string; publicKey: string };
}

export interface NodeTrust {
  published: PublishedTrustList;
  lookup: TrustLookup;
  builtAt: number;
}

const ms = (v: Date | string): number => new Date(v).getTime();

interface TrustContent {
  list: { version: number; issuedAt: string; issuer: string; entries: TrustListEntryDoc[] };
  lookup: TrustLookup;
  builtAt: number;
}

/**
 * The trust list's content as at `now` (ms), read from node_keys (nothing is made: the code-key worker makes the
 * first key at start). `version` is the time (ms) of the newest change to its content: a key made, retired or
 * revoked, or a retired key leaving the list; so it grows whenever entries change.
 */
async function trustContent(p: Platform, now = Date.now()): Promise<{ value: TrustContent; until: number }> {
  const rows = await codeKeyRows(p.db);
  const region = p.settings.region;
  let version = 0;
  let until = now + TRUST_CACHE_MS;
  const entries: TrustListEntryDoc[] = [];
  for (const r of rows) {
    const w = keyWindow(r, p.settings, now);
    version = Math.max(version, ms(r.created_at), r.retired_at === null ? 0 : ms(r.retired_at));
    if (w.leavesAt !== undefined && w.leavesAt <= now) version = Math.max(version, w.leavesAt);
    if (w.leavesAt !== undefined && w.leavesAt > now) until = Math.min(until, w.leavesAt);
    if (!w.listed) continue;
    const publicKey = createPublicKey({ key: Buffer.from(r.public_key, 'base64'), format: 'der', type: 'spki' });
    entries.push(trustListEntry(publicKey, { region, validFrom: w.validFrom, validTo: w.validTo, status: r.status }));
  }
  const list = { version, issuedAt: new Date(now).toISOString(), issuer: region, entries };
  return { value: { list, lookup: trustLookup(list), builtAt: now }, until };
}

/** Builds and signs the trust list as at `now` (ms) with the node key (see trustContent). */
export async function buildTrustList(p: Platform, now = Date.now()): Promise<{ value: NodeTrust; until: number }> {
  const [{ value: c, until }, nodeKey] = await Promise.all([
    trustContent(p, now),
    lockedActiveKey(p.db, p.ring, 'node'),
  ]);
  const signed = signTrustList(c.list, codeKeyFrom(nodeKey.privateKey));
  const published: PublishedTrustList = {
    ...signed,
    signer: { kid: nodeKey.kid, publicKey: nodeKey.publicDer.toString('base64') },
  };
  return { value: { published, lookup: c.lookup, builtAt: c.builtAt }, until };
}

const trustCache = new DbCache<NodeTrust>();
const lookupCache = new DbCache<TrustContent>();

/** The node's signed trust list as published (GET /api/v1/trust-list), cached for TRUST_CACHE_MS. */
export function nodeTrust(p: Platform): Promise<NodeTrust> {
  return trustCache.get(p.db, () => buildTrustList(p));
}

/**
 * The lookup verification uses: the same content, unsigned (a check only reads node_keys), cached for
 * TRUST_CACHE_MS (less when a key is about to leave).
 */
export async function nodeTrustLookup(p: Platform): Promise<TrustLookup> {
  return (await lookupCache.get(p.db, () => trustContent(p))).lookup;
}

/**
 * Rebuilds the cached lookup when it is older than `minAgeMs` (a code with an unknown kid may come from a key
 * another process made since); at most one rebuild per `minAgeMs`, so unknown kids cannot force a rebuild each.
 */
export function refreshNodeTrust(p: Platform, minAgeMs = 1000): Promise<TrustLookup> | undefined {
  const at = lookupCache.loadedAt(p.db);
  if (at !== undefined && Date.now() - at < minAgeMs) return undefined;
  lookupCache.drop(p.db);
  trustCache.drop(p.db);
  return nodeTrustLookup(p);
}
