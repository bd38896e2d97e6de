// A JSON body signed by this node's key, and the check of one signed by another region's node key (from the kept
// national list): the status queries between regions and their answers use it.
import { audit, makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { systemPrincipal } from '../access/principal.js';
import { canonicalJson } from '../core/canonical-json.js';
import { Problem } from '../core/problem.js';
import { signBytes, verifyBytes } from '../keys/signing.js';
import { nodeIdentity } from './identity.js';
import { national } from './national.js';
import { MESSAGE_WINDOW_MS } from './protocol/index.js';

export interface Signed<T> {
  body: T;
  signature: { kid: string; value: string };
}

export async function signBody<T>(p: Platform, body: T): Promise<Signed<T>> {
  const me = await nodeIdentity(p);
  return {
    body,
    signature: { kid: me.kid, value: signBytes(me.privateKey, Buffer.from(canonicalJson(body))).toString('base64') },
  };
}

/** True when `s` is signed by `region`'s node key as the national list has it. */
export async function signedBy<T>(p: Platform, region: string, s: Signed<T> | null | undefined): Promise<boolean> {
  const peer = (await national(p)).regions.get(region);
  if (!s || !peer || s.signature?.kid !== peer.kid || typeof s.signature.value !== 'string') return false;
  return verifyBytes(peer.key, Buffer.from(canonicalJson(s.body)), Buffer.from(s.signature.value, 'base64'));
}

/** What every query between regions carries besides its own fields. */
export interface QueryHeader {
  from: string;
  to: string;
  at: string;
  nonce: string;
}

const refuse = (status: number, code: string, detail: string): Problem =>
  new Problem({ status, code, title: 'Status query refused', detail });

/**
 * Checks a signed query from another region: its header and `fields` are strings, it is signed by the sender's
 * node key in the national list, addressed to this node, and sent within the message window.
 */
export async function checkSignedQuery<T extends QueryHeader>(
  p: Platform,
  input: unknown,
  fields: readonly (keyof T & string)[],
): Promise<T> {
  const s = input as Signed<T> | null;
  const q = s?.body as Record<string, unknown> | undefined;
  const names = ['from', 'to', 'at', 'nonce', ...fields];
  if (!q || names.some((k) => typeof q[k] !== 'string')) {
    throw refuse(400, 'malformed', `Expected { body: { ${names.join(', ')} }, signature: { kid, value } }.`);
  }
  const body = s!.body;
  if (!(await signedBy(p, body.from, s)))
    throw refuse(
      403,
      'bad_signature',
      `The query is not signed by region ${body.from}'s node key in the national list.`,
    );
  if (body.to !== p.settings.region)
    throw refuse(403, 'wrong_recipient', `This node is region ${p.settings.region}, not ${body.to}.`);
  if (!(Math.abs(Date.parse(body.at) - Date.now()) <= MESSAGE_WINDOW_MS))
    throw refuse(422, 'stale', 'The query time is outside the accepted window.');
  return body;
}

/** A person's status given to another region: audited with the person as subject, so they see it in their log. */
export async function auditDisclosure(p: Platform, to: string, subject: string, colour: string): Promise<void> {
  await audit(makeCtx(p, systemPrincipal('federation.status')), {
    action: 'federation.status.disclosed',
    outcome: 'ok',
    subjects: [subject],
    detail: { to, colour },
  });
}
