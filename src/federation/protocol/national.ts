// The national trust list: every registered region's code keys and node keys, signed by the hub (ES256).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { trustLookup, type TrustListEntryDoc } from '../../healthcode/hcert/trustlist.js';
import { signBytes, verifyBytes } from '../../keys/signing.js';
import { describe, isBase64, isIsoTime, isP256, isRecord, isRegion, keysProblem, kidOfKey } from './shape.js';

export interface RegionDoc {
  region: string;
  url: string;
  kid: string;
  publicKey: string; // DER SPKI base64 of the region's node key
}

export interface NationalListDoc {
  version: number;
  issuedAt: string; // ISO 8601 UTC
  issuer: string; // the hub's region
  entries: TrustListEntryDoc[];
  regions: RegionDoc[];
}

export interface SignedNationalList {
  list: NationalListDoc;
  /** value: base64 of the 64-byte ES256 signature (r || s) over canonicalJson(list). */
  signature: { alg: 'ES256'; kid: string; value: string };
}

const ENTRY_KEYS = ['kid', 'region', 'alg', 'publicKey', 'validFrom', 'validTo', 'status'];

function regionProblem(r: unknown, i: number): string | undefined {
  if (!isRecord(r)) return `regions[${i}] is not an object`;
  const keys = keysProblem(r, ['region', 'url', 'kid', 'publicKey']);
  if (keys) return `regions[${i}]: ${keys}`;
  if (!isRegion(r.region)) return `regions[${i}].region is not a 6-digit region code`;
  if (typeof r.url !== 'string' || !URL.canParse(r.url) || !['http:', 'https:'].includes(new URL(r.url).protocol)) {
    return `regions[${i}].url is not an http(s) URL`;
  }
  if (!isBase64(r.publicKey)) return `regions[${i}].publicKey is not base64`;
  const key = createPublicKey({ key: Buffer.from(r.publicKey, 'base64'), format: 'der', type: 'spki' });
  if (!isP256(key)) return `regions[${i}].publicKey is not EC P-256`;
  if (r.kid !== kidOfKey(key)) return `regions[${i}].kid is not the kid of its key`;
  return undefined;
}

/** Undefined when the list is well-formed (throws only on keys that cannot be parsed; callers catch). */
function listProblem(list: unknown): string | undefined {
  if (!isRecord(list)) return 'list is not an object';
  const keys = keysProblem(list, ['version', 'issuedAt', 'issuer', 'entries', 'regions']);
  if (keys) return `list: ${keys}`;
  if (typeof list.version !== 'number' || !Number.isSafeInteger(list.version) || list.version < 0)
    return 'version is not a non-negative integer';
  if (!isIsoTime(list.issuedAt)) return 'issuedAt is not an ISO 8601 UTC time';
  if (!isRegion(list.issuer)) return 'issuer is not a 6-digit region code';
  if (!Array.isArray(list.entries) || !Array.isArray(list.regions)) return 'entries and regions must be arrays';
  for (const [i, e] of list.entries.entries()) {
    if (!isRecord(e)) return `entries[${i}] is not an object`;
    const ek = keysProblem(e, ENTRY_KEYS);
    if (ek) return `entries[${i}]: ${ek}`;
    if (ENTRY_KEYS.some((k) => typeof e[k] !== 'string')) return `entries[${i}]: every field must be a string`;
    if (!isIsoTime(e.validFrom) || !isIsoTime(e.validTo))
      return `entries[${i}]: validFrom and validTo must be ISO 8601 UTC times`;
    if (!isBase64(e.kid, 8) || !isBase64(e.publicKey)) return `entries[${i}]: kid and publicKey must be base64`;
  }
  try {
    trustLookup({ version: 0, issuedAt: '', issuer: '', entries: list.entries as TrustListEntryDoc[] });
  } catch (err) {
    return describe(err);
  }
  const seen = new Set<string>();
  for (const [i, r] of list.regions.entries()) {
    const problem = regionProblem(r, i);
    if (problem) return problem;
    const region = (r as RegionDoc).region;
    if (seen.has(region)) return `regions[${i}]: region ${region} is listed twice`;
    seen.add(region);
  }
  return undefined;
}

/** Signs the list with the hub's node key. Throws a TypeError on a malformed list or a kid that is not the key's. */
export function signNationalList(
  list: NationalListDoc,
  hubKey: { kid: Buffer | string; privateKey: KeyObject },
): SignedNationalList {
  const kid = typeof hubKey.kid === 'string' ? hubKey.kid : hubKey.kid.toString('base64');
  if (kid !== kidOfKey(hubKey.privateKey))
    throw new TypeError('signNationalList: the kid is not the kid of the private key');
  let problem: string | undefined;
  try {
    problem = listProblem(list);
  } catch (err) {
    problem = describe(err);
  }
  if (problem) throw new TypeError(`signNationalList: ${problem}`);
  const value = signBytes(hubKey.privateKey, Buffer.from(canonicalJson(list), 'utf8')).toString('base64');
  return { list, signature: { alg: 'ES256', kid, value } };
}

/** Checks the shape strictly, that the kid is the hub key's and the signature over canonicalJson(list). Never throws. */
export function verifyNationalList(
  signed: unknown,
  hubPublicKey: KeyObject,
): { ok: true; list: NationalListDoc } | { ok: false; reason: string } {
  try {
    if (!isRecord(signed)) return { ok: false, reason: 'not an object' };
    const keys = keysProblem(signed, ['list', 'signature']);
    if (keys) return { ok: false, reason: keys };
    const sig = signed.signature;
    if (
      !isRecord(sig) ||
      keysProblem(sig, ['alg', 'kid', 'value']) ||
      sig.alg !== 'ES256' ||
      typeof sig.kid !== 'string'
    ) {
      return { ok: false, reason: 'signature must be { alg: ES256, kid, value }' };
    }
    if (!isBase64(sig.value, 64)) return { ok: false, reason: 'signature.value is not base64 of 64 bytes' };
    if (sig.kid !== kidOfKey(hubPublicKey)) return { ok: false, reason: 'signature.kid is not the hub key' };
    const data = Buffer.from(canonicalJson(signed.list), 'utf8');
    if (!verifyBytes(hubPublicKey, data, Buffer.from(sig.value, 'base64')))
      return { ok: false, reason: 'the signature does not verify' };
    const problem = listProblem(signed.list);
    if (problem) return { ok: false, reason: problem };
    return { ok: true, list: signed.list as unknown as NationalListDoc };
  } catch (err) {
    return { ok: false, reason: `malformed: ${describe(err)}` };
  }
}

/** A region (6 digits) covers another when it equals it or is its province (NN0000) or city (NNNN00). */
export function covers(region: string, other: string): boolean {
  if (!isRegion(region) || !isRegion(other)) return false;
  return region === other || region === `${other.slice(0, 2)}0000` || region === `${other.slice(0, 4)}00`;
}

/**
 * The national entries: each region's entries that the region covers, in order; a kid seen before is skipped (the
 * first wins); a kid in revokedKids is listed as revoked. Returns copies.
 */
export function mergeEntries(
  regions: { region: string; entries: TrustListEntryDoc[] }[],
  revokedKids: ReadonlySet<string>,
): TrustListEntryDoc[] {
  const out: TrustListEntryDoc[] = [];
  const seen = new Set<string>();
  for (const { region, entries } of regions) {
    for (const e of entries) {
      if (!covers(region, e.region) || seen.has(e.kid)) continue;
      seen.add(e.kid);
      out.push(revokedKids.has(e.kid) ? { ...e, status: 'revoked' } : { ...e });
    }
  }
  return out;
}

/** How many leading digits (0, 2, 4 or 6) two codes share, compared by province, city, county. */
const shared = (a: string, b: string): number => [6, 4, 2].find((n) => a.slice(0, n) === b.slice(0, n)) ?? 0;

/**
 * The home region of a person: the registered region sharing the longest prefix (province 2, city 4, county 6
 * digits) with the ID number's first 6 digits; on a tie the one covering it, else the smallest code. Undefined when
 * none shares the province.
 */
export function homeRegionOf(citizenId: string, regions: readonly string[]): string | undefined {
  if (typeof citizenId !== 'string' || !/^\d{6}/.test(citizenId)) return undefined;
  const county = citizenId.slice(0, 6);
  let best: { region: string; rank: number } | undefined;
  for (const region of regions) {
    if (!isRegion(region)) continue;
    const n = shared(region, county);
    if (n === 0) continue;
    const rank = n * 2 + (covers(region, county) ? 1 : 0);
    if (!best || rank > best.rank || (rank === best.rank && region < best.region)) best = { region, rank };
  }
  return best?.region;
}
