// Offline verification of a health code against a trust list. Never throws.
import { verify, type KeyObject } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { Tag } from 'cbor-x';
import { base45Decode } from './base45.js';
import { claimsFromCbor, type CodeClaims } from './claims.js';
import {
  ALG_ES256,
  COSE_SIGN1_TAG,
  ES256_SIGNATURE_BYTES,
  HEADER_ALG,
  HEADER_CRIT,
  HEADER_KID,
  cborDecoder,
  sigStructure,
} from './cose.js';
import { CODE_PREFIX } from './hcert.js';

export type KeyStatus = 'active' | 'retired' | 'revoked';

/** One trusted code-signing key. validFrom..validTo (ms) bound when it may sign (checked against iat). */
export interface TrustEntry {
  kid: string; // base64
  region: string;
  alg: 'ES256';
  publicKey: KeyObject;
  validFrom: number;
  validTo: number;
  status: KeyStatus;
}

export type TrustLookup = (kidBase64: string) => TrustEntry | undefined;

export type FailureReason =
  | 'malformed'
  | 'wrong_prefix'
  | 'bad_base45'
  | 'bad_compression'
  | 'not_cose'
  | 'unknown_kid'
  | 'bad_signature'
  | 'issuer_mismatch'
  | 'expired'
  | 'not_yet_valid'
  | 'key_revoked'
  | 'key_not_valid_at_issue';

export type VerifyResult =
  | { valid: true; reason: 'ok'; claims: CodeClaims; kid: string; region: string }
  | { valid: false; reason: FailureReason; detail: string; kid?: string; region?: string; claims?: CodeClaims };

/** How far in the future iat may be before the code is "not yet valid". */
export const CLOCK_SKEW_MS = 60_000;
/** Longer texts are refused before decoding (a real code is a few hundred characters). */
export const MAX_CODE_CHARS = 16_384;
/** The inflate limit, against zip bombs. */
export const MAX_INFLATED_BYTES = 65_536;
/**
 * zlib's output chunk. A COSE_Sign1 here is a few hundred bytes: a 1 KiB chunk comes from Node's buffer pool
 * where the default 16 KiB is a fresh allocation per call, which is most of inflate's cost.
 */
const INFLATE_CHUNK_BYTES = 1024;

type Failure = Extract<VerifyResult, { valid: false }>;

const fail = (
  reason: FailureReason,
  detail: string,
  extra?: Omit<Failure, 'valid' | 'reason' | 'detail'>,
): Failure => ({
  valid: false,
  reason,
  detail,
  ...extra,
});

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Verifies a code offline. Checks, in order: prefix, base45, inflate, COSE structure (tag 18 or a bare array of 4,
 * protected alg ES256, kid), kid lookup, key revoked, signature, claim types, issuer = key region, key valid at
 * iat, iat not in the future (beyond CLOCK_SKEW_MS), not expired (exp <= now). `now` is in milliseconds.
 */
export function verifyCode(text: string, trust: TrustLookup, now: number = Date.now()): VerifyResult {
  try {
    return check(text, trust, now);
  } catch (err) {
    return fail('malformed', `unexpected error: ${describe(err)}`);
  }
}

function check(text: string, trust: TrustLookup, now: number): VerifyResult {
  if (typeof text !== 'string') return fail('malformed', 'the code is not a string');
  if (!Number.isFinite(now)) return fail('malformed', 'now is not a time');
  if (!text.startsWith(CODE_PREFIX)) return fail('wrong_prefix', `the code does not start with ${CODE_PREFIX}`);
  if (text.length > MAX_CODE_CHARS) return fail('malformed', `the code is longer than ${MAX_CODE_CHARS} characters`);

  const compressed = base45Decode(text, CODE_PREFIX.length);
  if (compressed === undefined) return fail('bad_base45', 'the text after the prefix is not valid base45');

  let cose: Buffer;
  try {
    cose = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES, chunkSize: INFLATE_CHUNK_BYTES });
  } catch (err) {
    return fail('bad_compression', `zlib inflate failed: ${describe(err)}`);
  }

  let decoded: unknown;
  try {
    decoded = cborDecoder.decode(cose);
  } catch (err) {
    return fail('malformed', `not CBOR: ${describe(err)}`);
  }
  if (decoded instanceof Tag) {
    if (decoded.tag !== COSE_SIGN1_TAG)
      return fail('not_cose', `CBOR tag ${decoded.tag}, expected ${COSE_SIGN1_TAG} (COSE_Sign1)`);
    decoded = decoded.value;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) return fail('not_cose', 'not a COSE_Sign1 array of 4');
  const [protectedBytes, unprotected, payload, signature] = decoded as unknown[];
  if (
    !(protectedBytes instanceof Uint8Array) ||
    !(payload instanceof Uint8Array) ||
    !(signature instanceof Uint8Array)
  ) {
    return fail('not_cose', 'protected header, payload and signature must be byte strings');
  }
  if (!(unprotected instanceof Map)) return fail('not_cose', 'the unprotected header must be a map');

  let header: unknown;
  try {
    header = protectedBytes.length === 0 ? new Map() : cborDecoder.decode(protectedBytes);
  } catch (err) {
    return fail('not_cose', `the protected header is not CBOR: ${describe(err)}`);
  }
  if (!(header instanceof Map)) return fail('not_cose', 'the protected header is not a map');
  if (header.get(HEADER_ALG) !== ALG_ES256) return fail('not_cose', 'protected alg (1) must be -7 (ES256)');
  if (header.has(HEADER_CRIT)) return fail('not_cose', 'critical header parameters (2) are not supported');
  const kidBytes: unknown = header.get(HEADER_KID);
  if (!(kidBytes instanceof Uint8Array) || kidBytes.length === 0)
    return fail('not_cose', 'no kid (4) in the protected header');

  const kid = Buffer.from(kidBytes.buffer, kidBytes.byteOffset, kidBytes.length).toString('base64');
  let entry: TrustEntry | undefined;
  try {
    entry = trust(kid);
  } catch (err) {
    return fail('unknown_kid', `trust lookup failed: ${describe(err)}`, { kid });
  }
  if (entry === undefined) return fail('unknown_kid', 'no trusted key has this kid', { kid });
  if (entry.alg !== 'ES256') return fail('unknown_kid', 'the trusted key for this kid is not ES256', { kid });
  const region = entry.region;
  if (entry.status === 'revoked') return fail('key_revoked', 'the signing key is revoked', { kid, region });

  let signed = false;
  if (signature.length === ES256_SIGNATURE_BYTES) {
    try {
      signed = verify(
        'sha256',
        sigStructure(protectedBytes, payload),
        { key: entry.publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      );
    } catch {
      signed = false;
    }
  }
  if (!signed) return fail('bad_signature', 'the ES256 signature does not verify', { kid, region });

  let claimMap: unknown;
  try {
    claimMap = cborDecoder.decode(payload);
  } catch (err) {
    return fail('malformed', `the payload is not CBOR: ${describe(err)}`, { kid, region });
  }
  const claims = claimsFromCbor(claimMap);
  if (typeof claims === 'string') return fail('malformed', claims, { kid, region });

  const known = { kid, region, claims };
  if (claims.iss !== region)
    return fail('issuer_mismatch', `iss ${claims.iss} but the key belongs to region ${region}`, known);
  const iatMs = claims.iat * 1000;
  if (iatMs < entry.validFrom || iatMs > entry.validTo) {
    return fail('key_not_valid_at_issue', 'iat is outside the signing key validity period', known);
  }
  if (iatMs > now + CLOCK_SKEW_MS) return fail('not_yet_valid', 'iat is in the future', known);
  if (claims.exp * 1000 <= now) return fail('expired', 'exp has passed', known);
  return { valid: true, reason: 'ok', claims, kid, region };
}
