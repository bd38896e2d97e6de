// The CWT claims (RFC 8392) a health code carries, and their CBOR form. The claim map is documented in CLAIMS.md.

export type Colour = 'green' | 'yellow' | 'red';
export const COLOURS: readonly Colour[] = ['green', 'yellow', 'red'];

/** A health code's claims, as issued and as verified. Times are in seconds since the epoch. */
export interface CodeClaims {
  /** The issuing region's 6-digit GB/T 2260 division code. */
  iss: string;
  /** A pseudonymous subject id: never the resident ID number or the name. */
  sub: string;
  iat: number;
  exp: number;
  /** The code id: 16 random bytes, hex. */
  cti: string;
  colour: Colour;
  ruleSet: string;
  ruleVersion: string;
  statusTime: number;
}

/** CWT claim keys (RFC 8392 §3.1 / IANA "CBOR Web Token Claims"), and the EU DCC's private `hcert` claim. */
export const CLAIM_ISS = 1;
export const CLAIM_SUB = 2;
export const CLAIM_EXP = 4;
export const CLAIM_IAT = 6;
export const CLAIM_CTI = 7;
export const CLAIM_HCERT = -260;
/** The key of our object inside `hcert` (the EU DCC uses 1 for its v1 certificate). */
export const HCERT_V1 = 1;
export const CTI_BYTES = 16;

export const ISSUER_PATTERN = /^\d{6}$/;

/**
 * The claims as a CBOR map, keys in RFC 8949 §4.2.1 deterministic order (1, 2, 4, 6, 7, -260; inside: c, rs, rv, ts).
 * Maps rather than objects, so the encoder writes shortest-form lengths.
 */
export function claimsToCbor(c: CodeClaims, cti: Buffer): Map<number, unknown> {
  const inner = new Map<string, string | number>([
    ['c', c.colour],
    ['rs', c.ruleSet],
    ['rv', c.ruleVersion],
    ['ts', c.statusTime],
  ]);
  return new Map<number, unknown>([
    [CLAIM_ISS, c.iss],
    [CLAIM_SUB, c.sub],
    [CLAIM_EXP, c.exp],
    [CLAIM_IAT, c.iat],
    [CLAIM_CTI, cti],
    [CLAIM_HCERT, new Map([[HCERT_V1, inner]])],
  ]);
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isColour = (v: unknown): v is Colour => v === 'green' || v === 'yellow' || v === 'red';

/** Reads decoded claims; returns the claims, or a string saying what is wrong. Unknown extra claims are ignored. */
export function claimsFromCbor(m: unknown): CodeClaims | string {
  if (!(m instanceof Map)) return 'payload is not a CBOR map';
  const iss: unknown = m.get(CLAIM_ISS);
  const sub: unknown = m.get(CLAIM_SUB);
  const exp: unknown = m.get(CLAIM_EXP);
  const iat: unknown = m.get(CLAIM_IAT);
  const cti: unknown = m.get(CLAIM_CTI);
  const hcert: unknown = m.get(CLAIM_HCERT);
  if (typeof iss !== 'string' || !ISSUER_PATTERN.test(iss)) return 'iss (1) must be a 6-digit division code';
  if (!isText(sub)) return 'sub (2) must be a non-empty text string';
  if (!isTime(iat)) return 'iat (6) must be a non-negative integer';
  if (!isTime(exp) || exp <= iat) return 'exp (4) must be an integer after iat';
  if (!(cti instanceof Uint8Array) || cti.length !== CTI_BYTES) return `cti (7) must be ${CTI_BYTES} bytes`;
  const inner: unknown = hcert instanceof Map ? hcert.get(HCERT_V1) : undefined;
  if (!(inner instanceof Map)) return 'hcert (-260) must be a map holding map 1';
  const colour: unknown = inner.get('c');
  const ruleSet: unknown = inner.get('rs');
  const ruleVersion: unknown = inner.get('rv');
  const statusTime: unknown = inner.get('ts');
  if (!isColour(colour)) return 'hcert c must be green, yellow or red';
  if (!isText(ruleSet)) return 'hcert rs must be a non-empty text string';
  if (!isText(ruleVersion)) return 'hcert rv must be a non-empty text string';
  if (!isTime(statusTime)) return 'hcert ts must be a non-negative integer';
  return {
    iss,
    sub,
    iat,
    exp,
    cti: Buffer.from(cti.buffer, cti.byteOffset, cti.length).toString('hex'),
    colour,
    ruleSet,
    ruleVersion,
    statusTime,
  };
}
