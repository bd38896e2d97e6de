import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { decryptValue, encryptValue } from '../crypto/fields.js';
import { kidOf as codeKid } from '../healthcode/hcert/hcert.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db, Queryable } from '../db/types.js';

export type KeyPurpose = 'audit' | 'person' | 'code' | 'node';

/** One of the node's ES256 (ECDSA P-256, SHA-256) signing keys. */
export interface SigningKey {
  kid: string;
  purpose: KeyPurpose;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicDer: Buffer; // SubjectPublicKeyInfo
}

/** kid = the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo (as the EU DCC does), base64. */
export const kidOf = (spki: Buffer): string => codeKid(spki).toString('base64');

/** Signs bytes with ES256; the signature is the 64-byte IEEE P1363 form (r || s), as JOSE and COSE use. */
export const signBytes = (key: KeyObject, data: Uint8Array): Buffer =>
  cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });

export const verifyBytes = (key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean => {
  try {
    return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
};

interface Row {
  kid: string;
  purpose: KeyPurpose;
  public_key: string;
  private_key: string;
}

function load(ring: Keyring, r: Row): SigningKey {
  const publicDer = Buffer.from(r.public_key, 'base64');
  const pkcs8 = Buffer.from(decryptValue(ring, r.private_key, `node_keys/${r.kid}`), 'base64');
  return {
    kid: r.kid,
    purpose: r.purpose,
    publicDer,
    publicKey: createPublicKey({ key: publicDer, format: 'der', type: 'spki' }),
    privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
  };
}

/** Generates and stores a new active key for a purpose, retiring the previous one (it keeps verifying). */
export async function rotateSigningKey(q: Queryable, ring: Keyring, purpose: KeyPurpose): Promise<SigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const kid = kidOf(spki);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  await q.query(
    `UPDATE node_keys SET status = 'retired', retired_at = now() WHERE purpose = $1 AND status = 'active'`,
    [purpose],
  );
  await q.query(
    `INSERT INTO node_keys (kid, purpose, alg, public_key, private_key, status) VALUES ($1, $2, 'ES256', $3, $4, 'active')`,
    [kid, purpose, spki.toString('base64'), encryptValue(ring, pkcs8, `node_keys/${kid}`)],
  );
  return { kid, purpose, publicDer: spki, publicKey, privateKey };
}

/** The active key for a purpose, created on first use. */
export async function activeSigningKey(q: Queryable, ring: Keyring, purpose: KeyPurpose): Promise<SigningKey> {
  const res = await q.query<Row>(
    `SELECT kid, purpose, public_key, private_key FROM node_keys WHERE purpose = $1 AND status = 'active'`,
    [purpose],
  );
  if (res.rows[0]) return load(ring, res.rows[0]);
  return rotateSigningKey(q, ring, purpose);
}

/** Every public key of a purpose (active, retired and revoked), for verification. */
export async function publicKeys(
  q: Queryable,
  purpose: KeyPurpose,
): Promise<Map<string, { key: KeyObject; status: string }>> {
  const res = await q.query<{ kid: string; public_key: string; status: string }>(
    'SELECT kid, public_key, status FROM node_keys WHERE purpose = $1',
    [purpose],
  );
  return new Map(
    res.rows.map((r) => [
      r.kid,
      {
        key: createPublicKey({ key: Buffer.from(r.public_key, 'base64'), format: 'der', type: 'spki' }),
        status: r.status,
      },
    ]),
  );
}

/** Re-encrypts the stored private keys under the keyring's active field key (part of field-key rotation). */
export async function reencryptSigningKeys(q: Queryable, ring: Keyring): Promise<number> {
  const res = await q.query<Row>('SELECT kid, purpose, public_key, private_key FROM node_keys');
  let n = 0;
  for (const r of res.rows) {
    const plain = decryptValue(ring, r.private_key, `node_keys/${r.kid}`);
    if (r.private_key.startsWith(`enc:v1:${ring.activeId}:`)) continue;
    await q.query('UPDATE node_keys SET private_key = $2 WHERE kid = $1', [
      r.kid,
      encryptValue(ring, plain, `node_keys/${r.kid}`),
    ]);
    n += 1;
  }
  return n;
}

/** Runs fn in a transaction holding the node_keys lock of a purpose, so two processes never make two active keys. */
export function withKeyLock<T>(db: Db, purpose: KeyPurpose, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`govshare.node_keys.${purpose}`]);
    return fn(tx);
  });
}

/** The active key of a purpose, made under the lock when there is none yet. */
export const lockedActiveKey = (db: Db, ring: Keyring, purpose: KeyPurpose): Promise<SigningKey> =>
  withKeyLock(db, purpose, (tx) => activeSigningKey(tx, ring, purpose));

/** A key id given as base64 or base64url (8 bytes), as base64; undefined when it is not one. */
export function normaliseKid(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/_-]{11}=?$/.test(s)) return undefined;
  const bytes = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 8 ? bytes.toString('base64') : undefined;
}

export const kidUrlOf = (kid: string): string => Buffer.from(kid, 'base64').toString('base64url');
