// Base45 (RFC 9285), strict. Written here rather than taken from the `base45` package because that package's
// decoder accepts any input (an unknown character becomes -1 and silently yields wrong bytes), and a verifier
// must tell a damaged code apart from a forged one.

/** The 45 characters, in value order; they are exactly the QR code alphanumeric set. */
export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE45_ALPHABET.length; i++) VALUE[BASE45_ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes: each pair [a, b] as n = a*256 + b in three characters c + d*45 + e*2025; a final single byte in two. */
export function base45Encode(bytes: Uint8Array): string {
  const out: string[] = [];
  const n = bytes.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x = bytes[i]! * 256 + bytes[i + 1]!;
    const e = Math.floor(x / 2025);
    const rest = x - e * 2025;
    out.push(BASE45_ALPHABET[rest % 45]!, BASE45_ALPHABET[Math.floor(rest / 45)]!, BASE45_ALPHABET[e]!);
  }
  if (i < n) {
    const x = bytes[i]!;
    out.push(BASE45_ALPHABET[x % 45]!, BASE45_ALPHABET[Math.floor(x / 45)]!);
  }
  return out.join('');
}

const valueAt = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUE[c]! : -1;
};

/**
 * Decodes `text` from index `start`. Returns undefined for anything RFC 9285 forbids: a character outside the
 * alphabet, a dangling single character, a triple above 65535 or a final pair above 255.
 */
export function base45Decode(text: string, start = 0): Buffer | undefined {
  const len = text.length - start;
  if (len < 0 || len % 3 === 1) return undefined;
  const out = Buffer.allocUnsafe(Math.floor(len / 3) * 2 + (len % 3 === 2 ? 1 : 0));
  let o = 0;
  let i = start;
  const end = text.length;
  for (; i + 2 < end; i += 3) {
    const c = valueAt(text, i);
    const d = valueAt(text, i + 1);
    const e = valueAt(text, i + 2);
    if ((c | d | e) < 0) return undefined;
    const x = c + d * 45 + e * 2025;
    if (x > 0xffff) return undefined;
    out[o++] = x >> 8;
    out[o++] = x & 0xff;
  }
  if (i < end) {
    const c = valueAt(text, i);
    const d = valueAt(text, i + 1);
    if ((c | d) < 0) return undefined;
    const x = c + d * 45;
    if (x > 0xff) return undefined;
    out[o] = x;
  }
  return out;
}
