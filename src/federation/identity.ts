// This node in the federation: its node key (ES256, purpose 'node'), which signs its trust list and its messages.
import type { KeyObject } from 'node:crypto';
import type { Platform } from '../platform/platform.js';
import { lockedActiveKey } from '../keys/signing.js';

export interface NodeIdentity {
  region: string;
  role: Platform['settings']['federation']['role'];
  kid: string;
  publicKey: KeyObject;
  publicDer: Buffer;
  privateKey: KeyObject;
}

const cache = new WeakMap<Platform, { at: number; value: Promise<NodeIdentity> }>();
const TTL_MS = 5_000;

export function nodeIdentity(p: Platform): Promise<NodeIdentity> {
  const hit = cache.get(p);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = lockedActiveKey(p.db, p.ring, 'node').then((k) => ({
    region: p.settings.region,
    role: p.settings.federation.role,
    kid: k.kid,
    publicKey: k.publicKey,
    publicDer: k.publicDer,
    privateKey: k.privateKey,
  }));
  value.catch(() => cache.delete(p));
  cache.set(p, { at: Date.now(), value });
  return value;
}

/** What GET /api/v1/federation/node publishes. */
export async function nodeInfo(p: Platform): Promise<{ region: string; role: string; kid: string; publicKey: string }> {
  const id = await nodeIdentity(p);
  return { region: id.region, role: id.role, kid: id.kid, publicKey: id.publicDer.toString('base64') };
}
