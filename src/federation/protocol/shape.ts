// Strict shape checks and encodings shared by the protocol modules (internal; not re-exported).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { kidOf } from '../../keys/signing.js';

export const REGION = /^\d{6}$/;
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const isRegion = (v: unknown): v is string => typeof v === 'string' && REGION.test(v);

/** A plain object (what JSON.parse makes), not an array, null, or a class instance. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Undefined when the object has exactly the allowed keys (optional ones may be missing); else what is wrong. */
export function keysProblem(
  v: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[] = [],
): string | undefined {
  const extra = Object.keys(v).filter((k) => !required.includes(k) && !optional.includes(k));
  if (extra.length > 0) return `unexpected key(s): ${extra.join(', ')}`;
  const missing = required.filter((k) => v[k] === undefined);
  return missing.length > 0 ? `missing key(s): ${missing.join(', ')}` : undefined;
}

/** A UTC time as toISOString writes it (milliseconds optional) naming a real calendar instant. */
export function isIsoTime(v: unknown): v is string {
  if (typeof v !== 'string' || !ISO_UTC.test(v)) return false;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && new Date(ms).toISOString() === (v.length === 20 ? `${v.slice(0, 19)}.000Z` : v);
}

/** Canonical padded base64 (re-encodes to itself), optionally of an exact byte length. */
export function isBase64(v: unknown, bytes?: number): v is string {
  if (typeof v !== 'string' || v.length === 0 || !BASE64.test(v)) return false;
  const buf = Buffer.from(v, 'base64');
  return buf.toString('base64') === v && (bytes === undefined || buf.length === bytes);
}

/** Decodes canonical unpadded base64url; undefined for anything else. */
export function fromBase64url(v: string): Buffer | undefined {
  if (v.length === 0 || !BASE64URL.test(v)) return undefined;
  const buf = Buffer.from(v, 'base64url');
  return buf.toString('base64url') === v ? buf : undefined;
}

export const isP256 = (key: KeyObject): boolean =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

export const spkiOf = (key: KeyObject): Buffer =>
  (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });

/** The base64 kid (first 8 bytes of SHA-256 over the SPKI) of a public key or of a private key's public half. */
const kids = new WeakMap<KeyObject, string>();
/** The kid of a key (computed once per key object: it takes an SPKI export and a hash). */
export const kidOfKey = (key: KeyObject): string => {
  let kid = kids.get(key);
  if (kid === undefined) kids.set(key, (kid = kidOf(spkiOf(key))));
  return kid;
};

export const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
