// The hub's notice to a region that a new national list is out: { notice, signature }, ES256 by the hub's node key
// over the canonical JSON of `notice`. A region accepts it only when it is well-formed (strict: exact keys and
// types), signed by the hub key it has pinned, addressed to it and recent; it then fetches the list (and checks it
// as always): the notice only says when to look, never what the list holds.
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { signBytes, verifyBytes } from '../../keys/signing.js';
import { MESSAGE_WINDOW_MS } from './envelope.js';
import { isBase64, isIsoTime, isRecord, isRegion, keysProblem } from './shape.js';

export interface NationalNotice {
  type: 'national_list';
  from: string;
  to: string;
  /** The version of the national list now published. */
  version: number;
  at: string; // ISO 8601 UTC
}

export interface SignedNotice {
  notice: NationalNotice;
  signature: { kid: string; value: string };
}

const KID = /^[A-Za-z0-9+/=]{1,64}$/;

export function signNotice(notice: NationalNotice, key: { kid: string; privateKey: KeyObject }): SignedNotice {
  const value = signBytes(key.privateKey, Buffer.from(canonicalJson(notice), 'utf8')).toString('base64');
  return { notice, signature: { kid: key.kid, value } };
}

export type NoticeCheck =
  | { ok: true; notice: NationalNotice }
  | {
      ok: false;
      status: 400 | 401 | 403 | 422;
      code: 'malformed' | 'unsigned' | 'unknown_signer' | 'bad_signature' | 'wrong_recipient' | 'stale';
      detail: string;
    };

const no = (status: 400 | 401 | 403 | 422, code: Extract<NoticeCheck, { ok: false }>['code'], detail: string) =>
  ({ ok: false, status, code, detail }) as const;

function noticeProblem(n: unknown): string | undefined {
  if (!isRecord(n)) return 'notice is not an object';
  const keys = keysProblem(n, ['type', 'from', 'to', 'version', 'at']);
  if (keys) return `notice: ${keys}`;
  if (n.type !== 'national_list') return 'notice.type is not "national_list"';
  if (!isRegion(n.from)) return 'notice.from is not a 6-digit region code';
  if (!isRegion(n.to)) return 'notice.to is not a 6-digit region code';
  if (typeof n.version !== 'number' || !Number.isSafeInteger(n.version) || n.version < 1)
    return 'notice.version is not a positive integer';
  if (!isIsoTime(n.at)) return 'notice.at is not an ISO 8601 UTC time';
  return undefined;
}

/**
 * Checks, in order: shape (400 malformed), a signature present (401 unsigned), signed by `hub` (the pinned hub key;
 * none pinned or another kid: 403 unknown_signer; a signature that does not verify: 403 bad_signature), addressed
 * to `self` (403 wrong_recipient), |at - now| within the message window (422 stale). Never throws.
 */
export function checkNotice(
  input: unknown,
  opts: { self: string; hub: { kid: string; publicKey: KeyObject } | undefined; now?: number },
): NoticeCheck {
  if (!isRecord(input)) return no(400, 'malformed', 'Expected { notice, signature }.');
  const keys = keysProblem(input, ['notice'], ['signature']);
  if (keys) return no(400, 'malformed', keys);
  const bad = noticeProblem(input.notice);
  if (bad) return no(400, 'malformed', bad);
  const sig = input.signature;
  if (sig === undefined || sig === null) return no(401, 'unsigned', 'The notice has no signature.');
  if (!isRecord(sig) || keysProblem(sig, ['kid', 'value']) !== undefined)
    return no(400, 'malformed', 'signature is not { kid, value }');
  if (typeof sig.kid !== 'string' || !KID.test(sig.kid)) return no(400, 'malformed', 'signature.kid is not a kid');
  if (!isBase64(sig.value, 64)) return no(400, 'malformed', 'signature.value is not base64 of 64 bytes');
  const n = input.notice as unknown as NationalNotice;
  const notice: NationalNotice = { type: n.type, from: n.from, to: n.to, version: n.version, at: n.at };
  if (!opts.hub || sig.kid !== opts.hub.kid)
    return no(403, 'unknown_signer', 'The notice is not signed by the hub key this node has pinned.');
  if (!verifyBytes(opts.hub.publicKey, Buffer.from(canonicalJson(notice), 'utf8'), Buffer.from(sig.value, 'base64')))
    return no(403, 'bad_signature', 'The ES256 signature does not verify under the pinned hub key.');
  if (notice.to !== opts.self) return no(403, 'wrong_recipient', `The notice is for ${notice.to}, not ${opts.self}.`);
  if (Math.abs(Date.parse(notice.at) - (opts.now ?? Date.now())) > MESSAGE_WINDOW_MS)
    return no(422, 'stale', 'The notice time is outside the accepted window.');
  return { ok: true, notice };
}
