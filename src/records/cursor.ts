import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { badRequest } from '../core/problem.js';
import type { Keyring } from '../crypto/keyring.js';

/*
 * Paging cursors (`next`, given back as `after`): opaque, authenticated and bound to who asked what.
 *
 *   key      HKDF-SHA256(ikm = the keyring's index key, salt = "govshare/cursor/v1", info = "", 32 bytes)
 *   binding  SHA-256 of the JSON of [caller, dataset, mode, purpose, fields, subject index, filters, handle scope]
 *   cursor   "c1_" base64url(iv[12] ‖ AES-256-GCM(key, iv, padded last stored key, aad = binding) ‖ tag[16])
 *
 * The plaintext (the last stored key of the page) is padded to a multiple of 16 bytes, so a cursor reveals neither
 * a value nor its length. A cursor changed in any byte, or given by another caller, for another dataset or another
 * query, fails authentication: 400 invalid_cursor.
 */

const PREFIX = 'c1_';
const IV = 12;
const TAG = 16;
const keys = new WeakMap<KeyObject, Buffer>();

function keyOf(ring: Keyring): Buffer {
  let k = keys.get(ring.indexKey);
  if (!k) keys.set(ring.indexKey, (k = Buffer.from(hkdfSync('sha256', ring.indexKey, 'govshare/cursor/v1', '', 32))));
  return k;
}

/** What a cursor is bound to: the same caller asking the same query of the same dataset. */
export const cursorBinding = (parts: unknown[]): Buffer => createHash('sha256').update(JSON.stringify(parts)).digest();

export function sealCursor(ring: Keyring, binding: Buffer, lastKey: string): string {
  const raw = Buffer.from(lastKey, 'utf8');
  const pt = Buffer.alloc((Math.floor(raw.length / 16) + 1) * 16);
  raw.copy(pt);
  pt[raw.length] = 0x80;
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', keyOf(ring), iv, { authTagLength: TAG });
  c.setAAD(binding);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return PREFIX + Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64url');
}

const invalid = () =>
  badRequest(
    'invalid_cursor',
    'The cursor (after) is not one this node gave you for this dataset and query; start again without it.',
  );

/** The last stored key of the previous page; a 400 invalid_cursor problem when the cursor is not genuine. */
export function openCursor(ring: Keyring, binding: Buffer, cursor: string): string {
  if (!cursor.startsWith(PREFIX)) throw invalid();
  const body = cursor.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw invalid();
  const raw = Buffer.from(body, 'base64url');
  if (raw.length < IV + 16 + TAG || raw.toString('base64url') !== body) throw invalid();
  const d = createDecipheriv('aes-256-gcm', keyOf(ring), raw.subarray(0, IV), { authTagLength: TAG });
  d.setAAD(binding);
  d.setAuthTag(raw.subarray(raw.length - TAG));
  let pt: Buffer;
  try {
    pt = Buffer.concat([d.update(raw.subarray(IV, raw.length - TAG)), d.final()]);
  } catch {
    throw invalid();
  }
  const end = pt.lastIndexOf(0x80);
  if (end === -1) throw invalid();
  return pt.subarray(0, end).toString('utf8');
}
