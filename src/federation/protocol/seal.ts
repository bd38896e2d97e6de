// Sealing a short value (a person's ID number) for one recipient node (ECIES): an ephemeral P-256 key, ECDH with the
// recipient's node key, HKDF-SHA256, AES-256-GCM with caller-given additional data (e.g. the message id).
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { fromBase64url, isP256 } from './shape.js';

const PREFIX = 'seal1';
const INFO = 'govshare-federation-seal-v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longer sealed texts are refused before any work (an ID number seals to about 190 characters). */
const MAX_SEALED_CHARS = 16_384;

function keyFor(shared: Buffer, ephemeralSpki: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, ephemeralSpki, INFO, 32));
}

/** 'seal1.<b64url ephemeral SPKI>.<b64url iv>.<b64url ciphertext||tag>'. Throws a TypeError when the key is not EC P-256. */
export function sealFor(recipientPublicKey: KeyObject, plaintext: string, aad: string): string {
  const recipient = recipientPublicKey.type === 'private' ? createPublicKey(recipientPublicKey) : recipientPublicKey;
  if (!isP256(recipient)) throw new TypeError('sealFor: the recipient key is not EC P-256');
  if (typeof plaintext !== 'string' || typeof aad !== 'string')
    throw new TypeError('sealFor: plaintext and aad must be strings');
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = eph.publicKey.export({ format: 'der', type: 'spki' });
  const key = keyFor(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), spki);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [PREFIX, spki.toString('base64url'), iv.toString('base64url'), ct.toString('base64url')].join('.');
}

/** The plaintext of a sealed value; throws Error('cannot open sealed value') on any failure. */
export function openSealed(recipientPrivateKey: KeyObject, sealed: string, aad: string): string {
  try {
    return open(recipientPrivateKey, sealed, aad);
  } catch {
    throw new Error('cannot open sealed value');
  }
}

function open(privateKey: KeyObject, sealed: string, aad: string): string {
  const fail = (): never => {
    throw new Error('cannot open sealed value');
  };
  if (typeof sealed !== 'string' || typeof aad !== 'string' || sealed.length > MAX_SEALED_CHARS) fail();
  if (privateKey.type !== 'private' || !isP256(privateKey)) fail();
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) fail();
  const [spki, iv, ct] = parts.slice(1).map(fromBase64url);
  if (!spki || !iv || !ct || iv.length !== IV_BYTES || ct.length < TAG_BYTES) return fail();
  const eph = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (!isP256(eph)) fail();
  const key = keyFor(diffieHellman({ privateKey, publicKey: eph }), spki);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
  const plain = Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  return new TextDecoder('utf-8', { fatal: true }).decode(plain);
}
