// Federation messages: an envelope signed with the sender's node key (ES256 over its canonical JSON).
import { randomBytes, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import { signBytes, verifyBytes } from '../../keys/signing.js';
import { describe, isBase64, isIsoTime, isRecord, isRegion, keysProblem, kidOfKey } from './shape.js';

export type MessageType = 'case' | 'contact' | 'risk_area';

export interface Envelope {
  id: string;
  from: string;
  to: string;
  type: MessageType;
  at: string; // ISO 8601 UTC
  payload: Record<string, unknown>;
}

export interface SignedMessage {
  envelope: Envelope;
  /** kid: base64 kid of the sender's node key; value: base64 of the 64-byte r||s over canonicalJson(envelope). */
  signature: { kid: string; value: string };
}

export type RejectReason =
  'malformed' | 'unsigned' | 'unknown_sender' | 'bad_signature' | 'wrong_recipient' | 'stale' | 'replayed';

export const MESSAGE_WINDOW_MS = 10 * 60_000;
/** The largest message accepted: canonical JSON of { envelope, signature }, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const TYPES: readonly MessageType[] = ['case', 'contact', 'risk_area'];
const MESSAGE_ID = /^m_[A-Za-z0-9_-]{22}$/;
const KID = /^[A-Za-z0-9+/=]{1,64}$/;

/** 'm_' + 16 random bytes, base64url. */
export const newMessageId = (): string => `m_${randomBytes(16).toString('base64url')}`;

/** Undefined when the envelope is well-formed; else what is wrong. */
function envelopeProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return 'envelope is not an object';
  const keys = keysProblem(e, ['id', 'from', 'to', 'type', 'at', 'payload']);
  if (keys) return `envelope: ${keys}`;
  if (typeof e.id !== 'string' || !MESSAGE_ID.test(e.id)) return 'envelope.id is not m_ + 22 base64url characters';
  if (!isRegion(e.from)) return 'envelope.from is not a 6-digit region code';
  if (!isRegion(e.to)) return 'envelope.to is not a 6-digit region code';
  if (!TYPES.includes(e.type as MessageType)) return 'envelope.type is not a known message type';
  if (!isIsoTime(e.at)) return 'envelope.at is not an ISO 8601 UTC time';
  if (!isRecord(e.payload)) return 'envelope.payload is not an object';
  return undefined;
}

function sizeProblem(message: unknown): string | undefined {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(canonicalJson(message), 'utf8');
  } catch (err) {
    return `not canonical JSON: ${describe(err)}`;
  }
  return bytes > MAX_MESSAGE_BYTES ? `the message is ${bytes} bytes, over ${MAX_MESSAGE_BYTES}` : undefined;
}

/** Signs an envelope. Throws a TypeError when the envelope is one checkMessage would refuse as malformed, or the kid is not the key's. */
export function signMessage(envelope: Envelope, key: { kid: string; privateKey: KeyObject }): SignedMessage {
  const problem = envelopeProblem(envelope);
  if (problem) throw new TypeError(`signMessage: ${problem}`);
  if (key.kid !== kidOfKey(key.privateKey))
    throw new TypeError('signMessage: the kid is not the kid of the private key');
  const value = signBytes(key.privateKey, Buffer.from(canonicalJson(envelope), 'utf8')).toString('base64');
  const message: SignedMessage = { envelope, signature: { kid: key.kid, value } };
  const size = sizeProblem(message);
  if (size) throw new TypeError(`signMessage: ${size}`);
  return message;
}

type Check = { ok: true; message: SignedMessage } | { ok: false; reason: RejectReason; detail: string };
const reject = (reason: RejectReason, detail: string): Check => ({ ok: false, reason, detail });

/**
 * Checks, in order: shape (strict: exact keys, types, id pattern, 6-digit regions, ISO UTC time, known type, payload
 * object, canonical size ≤ 64 KiB), signature present, sender known (senderKey(from)), kid = the sender key's kid,
 * signature valid, to = self, |at - now| ≤ MESSAGE_WINDOW_MS. Replay is NOT checked here. Never throws.
 */
export function checkMessage(
  input: unknown,
  opts: {
    self: string;
    now?: number;
    senderKey: (region: string) => { kid: string; publicKey: KeyObject } | undefined;
  },
): Check {
  try {
    return check(input, opts);
  } catch (err) {
    return reject('malformed', `unexpected error: ${describe(err)}`);
  }
}

function check(input: unknown, opts: Parameters<typeof checkMessage>[1]): Check {
  const now = opts.now ?? Date.now();
  if (!Number.isFinite(now)) return reject('malformed', 'now is not a time');
  if (!isRecord(input)) return reject('malformed', 'the message is not an object');
  const keys = keysProblem(input, ['envelope'], ['signature']);
  if (keys) return reject('malformed', keys);
  const envelopeBad = envelopeProblem(input.envelope);
  if (envelopeBad) return reject('malformed', envelopeBad);
  const sig = input.signature;
  if (sig !== undefined && sig !== null) {
    if (!isRecord(sig)) return reject('malformed', 'signature is not an object');
    const sigKeys = keysProblem(sig, ['kid', 'value']);
    if (sigKeys) return reject('malformed', `signature: ${sigKeys}`);
    if (typeof sig.kid !== 'string' || !KID.test(sig.kid))
      return reject('malformed', 'signature.kid is not a base64 kid');
    if (!isBase64(sig.value, 64)) return reject('malformed', 'signature.value is not base64 of 64 bytes');
  }
  const size = sizeProblem(input);
  if (size) return reject('malformed', size);
  if (sig === undefined || sig === null) return reject('unsigned', 'the message has no signature');

  const e = input.envelope as Envelope;
  const message: SignedMessage = {
    envelope: { id: e.id, from: e.from, to: e.to, type: e.type, at: e.at, payload: e.payload },
    signature: { kid: sig.kid as string, value: sig.value as string },
  };

  let sender: { kid: string; publicKey: KeyObject } | undefined;
  try {
    sender = opts.senderKey(e.from);
  } catch (err) {
    return reject('unknown_sender', `sender lookup failed: ${describe(err)}`);
  }
  if (!sender) return reject('unknown_sender', `region ${e.from} is not a known sender`);
  if (message.signature.kid !== sender.kid)
    return reject('bad_signature', `kid ${message.signature.kid} is not the node key of region ${e.from}`);
  const data = Buffer.from(canonicalJson(message.envelope), 'utf8');
  if (!verifyBytes(sender.publicKey, data, Buffer.from(message.signature.value, 'base64'))) {
    return reject('bad_signature', 'the ES256 signature does not verify');
  }

  if (e.to !== opts.self) return reject('wrong_recipient', `the message is for ${e.to}, not ${opts.self}`);
  const skew = Date.parse(e.at) - now;
  if (Math.abs(skew) > MESSAGE_WINDOW_MS)
    return reject('stale', `at is ${Math.round(skew / 1000)} s from now, outside ±${MESSAGE_WINDOW_MS / 1000} s`);
  return { ok: true, message };
}
