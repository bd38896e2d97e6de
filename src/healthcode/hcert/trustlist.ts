// The trust list: the code-signing keys verifiers accept, as a JSON document signed by the node (ES256).
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { kidOf, type CodeKey } from './hcert.js';
import type { KeyStatus, TrustEntry, TrustLookup } from './verify.js';

export interface TrustListEntryDoc {
  kid: string; // base64 of kidOf(publicKey)
  region: string;
  alg: 'ES256';
  publicKey: string; // base64 DER SubjectPublicKeyInfo
  validFrom: string; // ISO 8601
  validTo: string; // ISO 8601
  status: KeyStatus;
}

export interface TrustListDoc {
  version: number;
  issuedAt: string; // ISO 8601
  issuer: string; // the node's region
  entries: TrustListEntryDoc[];
}

export interface SignedTrustList {
  list: TrustListDoc;
  /** value: base64 of the 64-byte ES256 signature (r || s) over canonicalJson(list). */
  signature: { alg: 'ES256'; kid: string; value: string };
}

const STATUSES: readonly KeyStatus[] = ['active', 'retired', 'revoked'];

const spkiOf = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' });

/** A trust list entry for a public key; its kid is derived from the key. */
export function trustListEntry(
  publicKey: KeyObject,
  e: { region: string; validFrom: Date | number; validTo: Date | number; status: KeyStatus },
): TrustListEntryDoc {
  const spki = spkiOf(publicKey);
  return {
    kid: kidOf(spki).toString('base64'),
    region: e.region,
    alg: 'ES256',
    publicKey: spki.toString('base64'),
    validFrom: new Date(e.validFrom).toISOString(),
    validTo: new Date(e.validTo).toISOString(),
    status: e.status,
  };
}

export function signTrustList(list: TrustListDoc, key: CodeKey): SignedTrustList {
  const value = sign('sha256', Buffer.from(canonicalJson(list), 'utf8'), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return { list, signature: { alg: 'ES256', kid: key.kid.toString('base64'), value: value.toString('base64') } };
}

/** True when the signature is the signer's ES256 signature over the list; false for anything else (never throws). */
export function verifyTrustList(signed: SignedTrustList, signerPublicKey: KeyObject): boolean {
  try {
    const sig = signed.signature;
    if (sig.alg !== 'ES256' || sig.kid !== kidOf(spkiOf(signerPublicKey)).toString('base64')) return false;
    const value = Buffer.from(sig.value, 'base64');
    if (value.length !== 64 || value.toString('base64') !== sig.value) return false;
    return verify(
      'sha256',
      Buffer.from(canonicalJson(signed.list), 'utf8'),
      { key: signerPublicKey, dsaEncoding: 'ieee-p1363' },
      value,
    );
  } catch {
    return false;
  }
}

function entryOf(doc: TrustListEntryDoc, index: number): TrustEntry {
  const bad = (why: string): never => {
    throw new TypeError(`trust list entry ${index}: ${why}`);
  };
  if (doc.alg !== 'ES256') bad('alg must be ES256');
  if (!STATUSES.includes(doc.status)) bad('unknown status');
  if (typeof doc.region !== 'string' || !/^\d{6}$/.test(doc.region)) bad('region must be a 6-digit division code');
  const spki = Buffer.from(doc.publicKey, 'base64');
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') bad('the key is not EC P-256');
  if (kidOf(spkiOf(publicKey)).toString('base64') !== doc.kid) bad('kid does not match the key');
  const validFrom = Date.parse(doc.validFrom);
  const validTo = Date.parse(doc.validTo);
  if (!Number.isFinite(validFrom) || !Number.isFinite(validTo) || validFrom > validTo) bad('bad validity period');
  return { kid: doc.kid, region: doc.region, alg: 'ES256', publicKey, validFrom, validTo, status: doc.status };
}

/**
 * A lookup over the list's entries, with each KeyObject built once. Check the list's signature first
 * (verifyTrustList). Throws a TypeError on an invalid entry or a repeated kid.
 */
export function trustLookup(list: TrustListDoc): TrustLookup {
  const byKid = new Map<string, TrustEntry>();
  list.entries.forEach((doc, i) => {
    const entry = entryOf(doc, i);
    if (byKid.has(entry.kid)) throw new TypeError(`trust list entry ${i}: repeated kid ${entry.kid}`);
    byKid.set(entry.kid, entry);
  });
  return (kid) => byKid.get(kid);
}
