import { createCipheriv, createHmac, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Keyring } from '../crypto/keyring.js';

/*
 * Record handles: what a department gets instead of a record's stored key.
 *
 * A stored key holds the key fields' values (level-4 parts as blind indexes, which are the same in every dataset),
 * so handing it out reveals masked values and lets a consumer join datasets on it. A handle is a deterministic
 * authenticated encryption of (dataset, stored key) under a key of its own per *scope*:
 *
 *   scope        grant:  "grant" NUL <grant id> NUL <consumer department> NUL <dataset>
 *                owner:  "owner" NUL <owning department> NUL <dataset>
 *   keys         HKDF-SHA256(ikm = the keyring's index key, salt = "govshare/handle/v1", info = scope, 96 bytes)
 *                = macKey (32) ‖ encKey (32, AES-256) ‖ pseudonymKey (32)
 *   plaintext    utf8(dataset NUL stored key), padded ISO/IEC 7816-4 style (0x80 then zeros) to a multiple of 16
 *   siv          first 16 bytes of HMAC-SHA256(macKey, plaintext)
 *   handle       "h1_" base64url(siv ‖ AES-256-CTR(encKey, iv = siv, plaintext))
 *
 * This is the SIV construction (RFC 5297's idea, with HMAC as the PRF): the same record always has the same handle
 * within one scope (so a consumer can follow it through corrections and history), while two grants, two datasets
 * or two departments have unrelated keys, so their handles cannot be joined. Opening decrypts and recomputes the
 * synthetic IV in constant time: a handle from another scope, or a changed one, does not open. The padding hides
 * the exact length of the key. The index key is not changed by field-key rotation, so handles outlive it; a new
 * grant (a renewal under a new id) gives new handles.
 *
 * The pseudonym key replaces the data standard's unkeyed `hash` mask in grant reads, so a hashed identifier is a
 * pseudonym within the grant and cannot be joined with another dataset or dictionary-checked.
 */

export const HANDLE_PREFIX = 'h1_';
const SIV = 16;
const SALT = 'govshare/handle/v1';

interface ScopeKeys {
  mac: Buffer;
  enc: Buffer;
  pseudonym: Buffer;
}

const cache = new WeakMap<KeyObject, Map<string, ScopeKeys>>(); // per index key (rotation keeps it)
const CACHE_MAX = 4096;

function keysOf(ring: Keyring, scope: string): ScopeKeys {
  const ikm = ring.indexKey;
  let m = cache.get(ikm);
  if (!m) cache.set(ikm, (m = new Map()));
  let k = m.get(scope);
  if (!k) {
    const okm = Buffer.from(hkdfSync('sha256', ikm, SALT, scope, 96));
    k = { mac: okm.subarray(0, 32), enc: okm.subarray(32, 64), pseudonym: okm.subarray(64, 96) };
    if (m.size >= CACHE_MAX) m.clear();
    m.set(scope, k);
  }
  return k;
}

const NUL = '\u0000';

/** The scope of handles a consumer gets through one grant. */
export const grantScope = (grantId: string, consumer: string, datasetId: string): string =>
  ['grant', grantId, consumer, datasetId].join(NUL);

/** The scope of handles the owning department (and the node itself) gets for its dataset. */
export const ownerScope = (owner: string, datasetId: string): string => ['owner', owner, datasetId].join(NUL);

function pad(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.alloc((Math.floor(raw.length / 16) + 1) * 16);
  raw.copy(out);
  out[raw.length] = 0x80;
  return out;
}

function unpad(buf: Buffer): string | undefined {
  const end = buf.lastIndexOf(0x80);
  if (end === -1 || buf.subarray(end + 1).some((b) => b !== 0)) return undefined;
  return buf.subarray(0, end).toString('utf8');
}

const siv = (k: ScopeKeys, pt: Buffer): Buffer => createHmac('sha256', k.mac).update(pt).digest().subarray(0, SIV);

const ctr = (k: ScopeKeys, iv: Buffer, data: Buffer): Buffer => {
  const c = createCipheriv('aes-256-ctr', k.enc, iv);
  return Buffer.concat([c.update(data), c.final()]);
};

/** The handle of a stored record key in a scope (deterministic). */
export function sealHandle(ring: Keyring, scope: string, datasetId: string, storedKey: string): string {
  const k = keysOf(ring, scope);
  const pt = pad(`${datasetId}${NUL}${storedKey}`);
  const iv = siv(k, pt);
  return HANDLE_PREFIX + Buffer.concat([iv, ctr(k, iv, pt)]).toString('base64url');
}

/** The stored key a handle names, if it was made in this scope for this dataset; else undefined (never throws). */
export function openHandle(ring: Keyring, scope: string, datasetId: string, handle: string): string | undefined {
  if (typeof handle !== 'string' || !handle.startsWith(HANDLE_PREFIX) || handle.length > 2048) return undefined;
  const body = handle.slice(HANDLE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const raw = Buffer.from(body, 'base64url');
  if (raw.length < SIV + 16 || (raw.length - SIV) % 16 !== 0 || raw.toString('base64url') !== body) return undefined;
  const k = keysOf(ring, scope);
  const iv = raw.subarray(0, SIV);
  const pt = ctr(k, iv, raw.subarray(SIV));
  if (!timingSafeEqual(siv(k, pt), iv)) return undefined;
  const text = unpad(pt);
  if (text === undefined) return undefined;
  const cut = text.indexOf(NUL);
  if (cut === -1 || text.slice(0, cut) !== datasetId) return undefined;
  return text.slice(cut + 1);
}

/** The first scope (of several, e.g. a consumer's covering grants) a handle opens in, with its stored key. */
export function openInScopes(
  ring: Keyring,
  scopes: readonly string[],
  datasetId: string,
  handle: string,
): { scope: string; storedKey: string } | undefined {
  for (const scope of scopes) {
    const storedKey = openHandle(ring, scope, datasetId, handle);
    if (storedKey !== undefined) return { scope, storedKey };
  }
  return undefined;
}

/** A keyed pseudonym of a value within a scope (16 hex characters), for the `hash` mask of grant reads. */
export function scopedPseudonym(ring: Keyring, scope: string, field: string, value: string): string {
  return createHmac('sha256', keysOf(ring, scope).pseudonym)
    .update(`${field}${NUL}${value}`, 'utf8')
    .digest('hex')
    .slice(0, 16);
}
