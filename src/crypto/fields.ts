import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import { KEY_ID_PATTERN, type Keyring } from './keyring.js';

// Ciphertexts: `enc:v1:<keyId>:<base64url(iv[12] || ciphertext || tag[16])>`, AES-256-GCM with a random IV. The
// additional data (e.g. `dataset/field`) binds a value to where it belongs, so a ciphertext moved elsewhere does not
// decrypt. Random 96-bit IVs: keep well under 2^32 encryptions per key (rotate long before that).

export const ENC_PREFIX = 'enc:v1:';
const IV = 12;
const TAG = 16;
const B64URL = /^[A-Za-z0-9_-]+$/;

export type CryptoErrorCode = 'unknown_key' | 'malformed' | 'auth_failed';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}

export type JsonScalar = string | number | boolean;

// IVs come from a pool filled in bulk: one CSPRNG call per 1024 IVs instead of one per value.
const ivPool = Buffer.alloc(IV * 1024);
let ivNext = ivPool.length;
function nextIv(): Buffer {
  if (ivNext === ivPool.length) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  const iv = ivPool.subarray(ivNext, ivNext + IV);
  ivNext += IV;
  return iv; // createCipheriv copies it; the pool is refilled before any IV is handed out again
}

export const isEncrypted = (v: unknown): v is string => typeof v === 'string' && v.startsWith(ENC_PREFIX);

/** The key id of a well-formed token's header, else undefined. */
export function keyIdOf(token: string): string | undefined {
  if (!token.startsWith(ENC_PREFIX)) return undefined;
  const end = token.indexOf(':', ENC_PREFIX.length);
  if (end === -1) return undefined;
  const id = token.slice(ENC_PREFIX.length, end);
  return KEY_ID_PATTERN.test(id) ? id : undefined;
}

function parseToken(token: string): { id: string; body: Buffer } {
  const id = typeof token === 'string' ? keyIdOf(token) : undefined;
  if (id === undefined)
    throw new CryptoError('malformed', `not an encrypted value (expected ${ENC_PREFIX}<keyId>:<data>)`);
  const data = token.slice(ENC_PREFIX.length + id.length + 1);
  if (!B64URL.test(data) || data.length % 4 === 1)
    throw new CryptoError('malformed', 'encrypted value is not valid base64url');
  const body = Buffer.from(data, 'base64url');
  if (body.length < IV + TAG) throw new CryptoError('malformed', 'encrypted value is too short');
  return { id, body };
}

export function encryptValue(ring: Keyring, plaintext: string, aad?: string): string {
  if (typeof plaintext !== 'string') throw new TypeError('encryptValue: plaintext must be a string');
  const { id, key } = ring.activeKey;
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG });
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = cipher.update(plaintext, 'utf8');
  cipher.final(); // GCM: no output
  const body = Buffer.concat([iv, ct, cipher.getAuthTag()], IV + ct.length + TAG);
  return `${ENC_PREFIX}${id}:${body.toString('base64url')}`;
}

/** Decrypts a token; throws CryptoError ('malformed', 'unknown_key' or 'auth_failed'). */
export function decryptValue(ring: Keyring, token: string, aad?: string): string {
  const { id, body } = parseToken(token);
  const key = ring.key(id);
  if (!key) throw new CryptoError('unknown_key', `no field key "${id}" in the keyring`);
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV), { authTagLength: TAG });
  decipher.setAuthTag(body.subarray(body.length - TAG));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  const pt = decipher.update(body.subarray(IV, body.length - TAG));
  try {
    decipher.final(); // GCM: verifies the tag, no output
  } catch {
    throw new CryptoError(
      'auth_failed',
      `encrypted value under key "${id}" failed authentication (wrong context, or tampered)`,
    );
  }
  return pt.toString('utf8');
}

/** Encrypts a JSON scalar so that numbers and booleans come back with their type. */
export function encryptJsonValue(ring: Keyring, value: JsonScalar, aad?: string): string {
  const t = typeof value;
  if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(value))) {
    throw new TypeError('encryptJsonValue: value must be a string, a finite number or a boolean');
  }
  return encryptValue(ring, JSON.stringify(value), aad);
}

export function decryptJsonValue(ring: Keyring, token: string, aad?: string): JsonScalar {
  const text = decryptValue(ring, token, aad);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new CryptoError('malformed', 'decrypted value is not a JSON scalar (was it encrypted with encryptValue?)');
}

/**
 * Under the active key already: returned unchanged (not decrypted). Else decrypted and encrypted again under the
 * active key, with the same additional data. Works for encryptValue and encryptJsonValue tokens alike.
 */
export function reencryptValue(ring: Keyring, token: string, aad?: string): { value: string; changed: boolean } {
  if (parseToken(token).id === ring.activeId) return { value: token, changed: false };
  return { value: encryptValue(ring, decryptValue(ring, token, aad), aad), changed: true };
}

const CONTENT_DOMAIN = 'content';

/**
 * A keyed, deterministic index of a value (HMAC-SHA256 over domain NUL value, first 192 bits as 32 base64url
 * characters), for equality lookups without the value. The domain (e.g. 'citizen_id') separates uses.
 */
export function blindIndex(ring: Keyring, value: string, domain: string): string {
  if (domain === '' || domain.includes('\u0000'))
    throw new TypeError('blindIndex: domain must be non-empty and without NUL');
  if (domain === CONTENT_DOMAIN)
    throw new TypeError(`blindIndex: domain "${CONTENT_DOMAIN}" is reserved for contentHash`);
  return createHmac('sha256', ring.indexKey).update(`${domain}\u0000${value}`, 'utf8').digest('base64url').slice(0, 32);
}

/** A keyed hash of a record's canonical JSON (43 base64url characters), so low-entropy content cannot be dictionary-checked. */
export function contentHash(ring: Keyring, canonicalJson: string): string {
  return createHmac('sha256', ring.indexKey)
    .update(`${CONTENT_DOMAIN}\u0000${canonicalJson}`, 'utf8')
    .digest('base64url');
}
