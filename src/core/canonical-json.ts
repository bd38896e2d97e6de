// Canonical JSON for signing and for audit leaves (one implementation for both): object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
// JSON.stringify writes them. For the values a trust list holds this is the same text as RFC 8785 (JCS).

/** Throws a TypeError for anything JSON cannot represent exactly (non-finite numbers, bigint, functions, ...). */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? array(value) : object(value);
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

function array(items: readonly unknown[]): string {
  const parts: string[] = [];
  for (const item of items) {
    if (item === undefined) throw new TypeError('canonicalJson: undefined in an array');
    parts.push(canonicalJson(item));
  }
  return `[${parts.join(',')}]`;
}

function object(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue; // as JSON.stringify does
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
