import { randomBytes } from 'node:crypto';

/** A short random identifier with a readable prefix, e.g. `bat_3k9x...`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** Slugs name departments and datasets in URLs: lower-case letters, digits and dashes. */
export const SLUG_PATTERN = '^[a-z][a-z0-9-]{1,62}$';
