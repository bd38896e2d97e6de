import type { Dataset } from '../catalog/schema.js';
import { blindIndex } from '../crypto/fields.js';
import type { Keyring } from '../crypto/keyring.js';
import type { DataElement } from '../standard/index.js';

// A record key is its key fields' normalised values joined with '|' ('|' and '\' escaped with '\').
// Highly sensitive (level 4) parts, such as ID numbers, are stored as their blind index, never in clear.

export function joinKey(parts: readonly string[]): string {
  let key = '';
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    key +=
      (k > 0 ? '|' : '') + (part.includes('|') || part.includes('\\') ? part.replace(/[\\|]/g, (c) => `\\${c}`) : part);
  }
  return key;
}

export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\' && i + 1 < key.length) cur += key[++i];
    else if (c === '|') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/**
 * The blind-index domain of a sensitive key part: the element code, scoped by the dataset for datasets keyed per
 * dataset (migrations/0016), so that two datasets' stored keys, and the order records are read in, never line up.
 */
export const keyDomainOf = (ds: Pick<Dataset, 'id' | 'keyScope'>, element: string): string =>
  ds.keyScope === 'dataset' ? `${element}@${ds.id}` : element;

/** Which key parts are stored as blind indexes, and under which domain. */
export function keyDomains(ds: Dataset, elements: ReadonlyMap<string, DataElement>): (string | null)[] {
  return ds.key.map((k) => {
    const f = ds.fields.find((x) => x.name === k)!;
    const el = elements.get(f.element);
    return el && el.sensitivity >= 4 ? keyDomainOf(ds, el.code) : null;
  });
}

/**
 * The stored key for a key given by a caller. A caller may give sensitive parts in clear (an ID number) or as the
 * stored blind index; both find the record. Non-key-shaped input returns the input unchanged (it will not match).
 */
export function storedKey(ring: Keyring, domains: readonly (string | null)[], key: string): string {
  const parts = splitKey(key);
  if (parts.length !== domains.length) return key;
  return joinKey(
    parts.map((p, i) => {
      const d = domains[i];
      return d && !/^[A-Za-z0-9_-]{32}$/.test(p) ? blindIndex(ring, p, d) : p;
    }),
  );
}

/** The subject (person) of a citizen ID number, as records and audit entries store it. */
export const subjectOf = (ring: Keyring, citizenId: string): string =>
  blindIndex(ring, citizenId.toUpperCase(), 'citizen_id');
