import { decryptValue, encryptValue } from '../crypto/fields.js';
import type { Keyring } from '../crypto/keyring.js';

/**
 * Highly sensitive (level 4) values of a record are stored together, encrypted, under this member of the record's
 * JSON: `{"$sealed": "enc:v1:<keyId>:..."}`, the plaintext being the JSON object of those fields. The additional
 * data binds the envelope to its dataset. One AES-GCM operation per row, on write and on read.
 */
export const SEALED = '$sealed';

const aadOf = (datasetId: string) => `records/${datasetId}`;

export function sealRecord(ring: Keyring, datasetId: string, values: Record<string, unknown>): string {
  return encryptValue(ring, JSON.stringify(values), aadOf(datasetId));
}

/** The record's values with its sealed ones opened (a new object; the stored one is not changed). */
export function openRecord(ring: Keyring, datasetId: string, data: Record<string, unknown>): Record<string, unknown> {
  const token = data[SEALED];
  if (typeof token !== 'string') return data;
  const out: Record<string, unknown> = {
    ...data,
    ...(JSON.parse(decryptValue(ring, token, aadOf(datasetId))) as Record<string, unknown>),
  };
  delete out[SEALED];
  return out;
}

/** Re-encrypts a record's envelope under the active key; undefined when it already is. */
export function resealRecord(
  ring: Keyring,
  datasetId: string,
  data: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const token = data[SEALED];
  if (typeof token !== 'string' || token.startsWith(`enc:v1:${ring.activeId}:`)) return undefined;
  return { ...data, [SEALED]: encryptValue(ring, decryptValue(ring, token, aadOf(datasetId)), aadOf(datasetId)) };
}
