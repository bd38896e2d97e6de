// The answer a verifier shows for a code: shared by the API and the CLI's offline verification (no server code).
import type { Colour, FailureReason, VerifyResult } from '../hcert/index.js';

export interface Verdict {
  valid: boolean;
  reason: 'ok' | FailureReason;
  detail?: string;
  /** The colour in the code; only for a valid code (an invalid code's colour must not be shown). */
  colour?: Colour;
  region?: string;
  kid?: string;
  issuedAt?: string;
  expiresAt?: string;
  ruleSet?: string;
  ruleVersion?: string;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The verdict for a verification result. Times of a code that decoded (even an expired one) are kept. */
export function verdictOf(r: VerifyResult): Verdict {
  const v: Verdict = { valid: r.valid, reason: r.reason };
  if (!r.valid) v.detail = r.detail;
  if (r.claims && r.valid) v.colour = r.claims.colour;
  if (r.region !== undefined) v.region = r.region;
  if (r.kid !== undefined) v.kid = r.kid;
  if (r.claims) {
    v.issuedAt = iso(r.claims.iat);
    v.expiresAt = iso(r.claims.exp);
    v.ruleSet = r.claims.ruleSet;
    v.ruleVersion = r.claims.ruleVersion;
  }
  return v;
}
