// A JSON body signed by this node's key, and the check of one signed by another region's node key (from the kept
// national list): the status queries between regions and their answers use it.
import type { Platform } from '../access/context.js';
import { canonicalJson } from '../core/canonical-json.js';
import { signBytes, verifyBytes } from '../keys/signing.js';
import { nodeIdentity } from './identity.js';
import { national } from './national.js';

export interface Signed<T> {
  body: T;
  signature: { kid: string; value: string };
}

export async function signBody<T>(p: Platform, body: T): Promise<Signed<T>> {
  const me = await nodeIdentity(p);
  return { body, signature: { kid: me.kid, value: signBytes(me.privateKey, Buffer.from(canonicalJson(body))).toString('base64') } };
}

/** True when `s` is signed by `region`'s node key as the national list has it. */
export async function signedBy<T>(p: Platform, region: string, s: Signed<T> | null | undefined): Promise<boolean> {
  const peer = (await national(p)).regions.get(region);
  if (!s || !peer || s.signature?.kid !== peer.kid || typeof s.signature.value !== 'string') return false;
  return verifyBytes(peer.key, Buffer.from(canonicalJson(s.body)), Buffer.from(s.signature.value, 'base64'));
}
