// Verification against this node's own trust list (the same checks an offline verifier makes).
import type { Platform } from '../../platform/platform.js';
import { national } from '../../federation/national.js';
import { verifyCode, type TrustLookup, type VerifyResult } from '../hcert/index.js';
import { nodeTrustLookup, refreshNodeTrust } from './trustlist.js';
import { verdictOf, type Verdict } from './verdict.js';

/**
 * Verifies a code with the node's cached trust lookup. An unknown kid rebuilds the list once (at most once a
 * second), in case another process made the key since the list was cached.
 */
export async function verifyWithNode(p: Platform, code: string): Promise<VerifyResult> {
  const nat = (await national(p)).lookup;
  const r = verifyCode(code, combined(await nodeTrustLookup(p), nat));
  if (r.valid || r.reason !== 'unknown_kid') return r;
  const fresh = refreshNodeTrust(p);
  return fresh ? verifyCode(code, combined(await fresh, nat)) : r;
}

/**
 * The node's own keys, then the national list (docs/federation.md) for every other region's; a key the national
 * list marks revoked is revoked here too, even one of this node's own.
 */
function combined(own: TrustLookup, nat: TrustLookup): TrustLookup {
  return (kid) => {
    const n = nat(kid);
    if (n?.status === 'revoked') return n;
    return own(kid) ?? n;
  };
}

/** POST /api/v1/codes/verify: the verdict, never an error for a bad code. */
export async function verifyCodeText(p: Platform, code: string): Promise<Verdict> {
  return verdictOf(await verifyWithNode(p, code));
}
