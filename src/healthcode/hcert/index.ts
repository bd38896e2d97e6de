// Health codes in the EU DCC HCERT container (CWT in COSE_Sign1, ES256), with our own prefix. See CLAIMS.md.
export {
  CODE_PREFIX,
  DEFAULT_TTL_SECONDS,
  codeKeyFrom,
  issueCode,
  kidOf,
  type CodeKey,
  type IssueInput,
  type IssuedCode,
} from './hcert.js';
export type { CodeClaims, Colour } from './claims.js';
export {
  CLOCK_SKEW_MS,
  MAX_INFLATED_BYTES,
  verifyCode,
  type FailureReason,
  type KeyStatus,
  type TrustEntry,
  type TrustLookup,
  type VerifyResult,
} from './verify.js';
export {
  signTrustList,
  trustListEntry,
  trustLookup,
  verifyTrustList,
  type SignedTrustList,
  type TrustListDoc,
  type TrustListEntryDoc,
} from './trustlist.js';
export { canonicalJson } from '../../core/canonical-json.js';
export { renderQrPng, renderQrSvg } from './qr.js';
