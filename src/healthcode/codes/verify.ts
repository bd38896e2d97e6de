// Verification against this node's own trust list (the same checks an offline verifier makes).
import type { Platform } from '../../access/context.js';
import { verifyCode, type VerifyResult } from '../hcert/index.js';
import { nodeTrust, refreshNodeTrust } from './trustlist.js';
import { verdictOf, type Verdict } from './verdict.js';

/**
 * Verifies a code with the node's cached trust lookup. An unknown kid rebuilds the list once (at most once a
 * second), in case another process made the key since the list was cached.
 */
export async function verifyWithNode(p: Platform, code: string): Promise<VerifyResult> {
  const r = verifyCode(code, (await nodeTrust(p)).lookup);
  if (r.valid || r.reason !== 'unknown_kid') return r;
  const fresh = refreshNodeTrust(p);
  return fresh ? verifyCode(code, (await fresh).lookup) : r;
}

/** POST /api/v1/codes/verify: the verdict, never an error for a bad code. */
export async function verifyCodeText(p: Platform, code: string): Promise<Verdict> {
  return verdictOf(await verifyWithNode(p, code));
}
