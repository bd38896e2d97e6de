// Issuing health codes: CWT claims in a COSE_Sign1 (ES256), deflated, base45, behind CODE_PREFIX (see CLAIMS.md).
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { Tag } from 'cbor-x';
import { base45Encode } from './base45.js';
import { COLOURS, CTI_BYTES, ISSUER_PATTERN, claimsToCbor, type CodeClaims, type Colour } from './claims.js';
import { ALG_ES256, COSE_SIGN1_TAG, HEADER_ALG, HEADER_KID, cborEncoder, sigStructure } from './cose.js';

/**
 * "govshare health code v1". Our own prefix rather than the EU's `HC1:`, so a code is never taken for an EU
 * certificate; every character is in the QR alphanumeric set.
 */
export const CODE_PREFIX = 'GSHC1:';
export const DEFAULT_TTL_SECONDS = 300;
export const KID_BYTES = 8;

/** A code-signing key: an ES256 (P-256) private key and its kid. */
export interface CodeKey {
  kid: Buffer;
  privateKey: KeyObject;
}

export interface IssueInput {
  iss: string;
  sub: string;
  colour: Colour;
  ruleSet: string;
  ruleVersion: string;
  /** When the colour was decided, in seconds; defaults to iat. */
  statusTime?: number;
  ttlSeconds?: number;
  /** The issuing time in milliseconds; defaults to Date.now(). */
  now?: number;
}

export interface IssuedCode {
  text: string;
  claims: CodeClaims;
}

/** kid = the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo, as the EU DCC defines it. */
export const kidOf = (spkiDer: Buffer): Buffer => createHash('sha256').update(spkiDer).digest().subarray(0, KID_BYTES);

/** Pairs a P-256 private key with its kid. */
export function codeKeyFrom(privateKey: KeyObject): CodeKey {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { kid: kidOf(spki), privateKey };
}

/** An 18-character resident ID number (GB 11643): never allowed as `sub`. */
const RESIDENT_ID = /^\d{17}[\dXx]$/;

function check(ok: boolean, message: string): void {
  if (!ok) throw new TypeError(`issueCode: ${message}`);
}

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Issues a signed health code. Throws a TypeError on invalid input or key. */
export function issueCode(input: IssueInput, key: CodeKey): IssuedCode {
  const nowMs = input.now ?? Date.now();
  const ttl = input.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  check(Number.isFinite(nowMs) && nowMs >= 0, 'now must be a time in milliseconds');
  check(Number.isSafeInteger(ttl) && ttl > 0, 'ttlSeconds must be a positive integer');
  check(typeof input.iss === 'string' && ISSUER_PATTERN.test(input.iss), 'iss must be a 6-digit division code');
  check(nonEmpty(input.sub), 'sub must be a non-empty string');
  check(!RESIDENT_ID.test(input.sub), 'sub must be a pseudonymous id, not a resident ID number');
  check(COLOURS.includes(input.colour), 'colour must be green, yellow or red');
  check(nonEmpty(input.ruleSet) && nonEmpty(input.ruleVersion), 'ruleSet and ruleVersion must be non-empty strings');
  check(Buffer.isBuffer(key.kid) && key.kid.length === KID_BYTES, `kid must be ${KID_BYTES} bytes`);
  check(key.privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1', 'the key must be an EC P-256 private key');

  const iat = Math.floor(nowMs / 1000);
  const statusTime = input.statusTime ?? iat;
  check(isTime(statusTime), 'statusTime must be a non-negative integer (seconds)');
  const cti = randomBytes(CTI_BYTES);
  const claims: CodeClaims = {
    iss: input.iss,
    sub: input.sub,
    iat,
    exp: iat + ttl,
    cti: cti.toString('hex'),
    colour: input.colour,
    ruleSet: input.ruleSet,
    ruleVersion: input.ruleVersion,
    statusTime,
  };

  const protectedBytes = cborEncoder.encode(
    new Map<number, unknown>([
      [HEADER_ALG, ALG_ES256],
      [HEADER_KID, key.kid],
    ]),
  );
  const payload = cborEncoder.encode(claimsToCbor(claims, cti));
  const signature = sign('sha256', sigStructure(protectedBytes, payload), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const cose = cborEncoder.encode(new Tag([protectedBytes, new Map(), payload, signature], COSE_SIGN1_TAG));
  return { text: CODE_PREFIX + base45Encode(deflateSync(cose, { level: 9 })), claims };
}
