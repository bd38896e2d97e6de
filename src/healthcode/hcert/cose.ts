// The COSE_Sign1 (RFC 9052) pieces shared by issuing and verifying.
import { Decoder, Encoder } from 'cbor-x';

export const COSE_SIGN1_TAG = 18;
/** Header labels (RFC 9052 §3.1). */
export const HEADER_ALG = 1;
export const HEADER_CRIT = 2;
export const HEADER_KID = 4;
/** ES256: ECDSA on P-256 with SHA-256 (RFC 9053 §2.1). */
export const ALG_ES256 = -7;
/** An ES256 signature in COSE is r || s, 32 bytes each. */
export const ES256_SIGNATURE_BYTES = 64;

/**
 * Encodes what we issue. Only Maps are given to it, so every map has a definite length in the shortest form
 * (plain objects would get a 16-bit length); Buffers become plain byte strings (no typed-array tag).
 */
export const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, pack: false });

/** Decodes untrusted input: maps stay Maps (integer keys intact), byte strings are views on the input (no copy). */
export const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const CONTEXT = Buffer.from('Signature1', 'ascii');

const headerSize = (n: number): number => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

function writeBstrHeader(out: Buffer, at: number, n: number): number {
  if (n < 24) {
    out[at] = 0x40 | n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0x58;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0x59;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  out[at] = 0x5a;
  out.writeUInt32BE(n, at + 1);
  return at + 5;
}

/**
 * The CBOR encoding of Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]
 * (RFC 9052 §4.4), written directly into one buffer: the bytes ES256 signs.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Buffer {
  const size =
    2 +
    CONTEXT.length +
    headerSize(protectedBytes.length) +
    protectedBytes.length +
    1 +
    headerSize(payload.length) +
    payload.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x84; // array(4)
  out[1] = 0x60 | CONTEXT.length; // text(10)
  CONTEXT.copy(out, 2);
  let at = writeBstrHeader(out, 2 + CONTEXT.length, protectedBytes.length);
  out.set(protectedBytes, at);
  at += protectedBytes.length;
  out[at++] = 0x40; // external_aad: empty byte string
  at = writeBstrHeader(out, at, payload.length);
  out.set(payload, at);
  return out;
}
