import { leafHash, verifyInclusion } from '../../audit/merkle.js';
import { namesSubject, subjectValue } from '../../audit/subjects.js';
import type { AccessLogItem, ProvenEntry } from '../types.js';

const HASH_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * Checks an audit entry's inclusion proof locally (RFC 9162): the entry text hashes to the leaf, and the audit path
 * leads from that leaf at `seq` to the root of the tree head. Returns why it fails, or null when it verifies.
 * (The tree head's signature is the node's to check: govshare audit verify.)
 */
export function inclusionProblem(
  p: Pick<ProvenEntry, 'seq' | 'entry' | 'leafHash' | 'proof' | 'treeHead'>,
): string | null {
  const leaf = leafHash(Buffer.from(p.entry, 'utf8'));
  if (leaf.toString('hex') !== String(p.leafHash).toLowerCase()) return 'the entry does not hash to its leaf hash';
  const { treeSize, root } = p.treeHead;
  if (!Array.isArray(p.proof) || !p.proof.every((h) => HASH_HEX.test(h)) || !HASH_HEX.test(root))
    return 'the proof or root is not made of SHA-256 hashes';
  const path = p.proof.map((h) => Buffer.from(h, 'hex'));
  if (!verifyInclusion(p.seq, treeSize, leaf, path, Buffer.from(root, 'hex')))
    return `the proof does not lead to the root of the tree head of size ${treeSize}`;
  return null;
}

/**
 * The subject id inside a person token (`gsp_<payload>.<signature>`, payload canonical JSON with `sub`), read here
 * so that membership is checked against what the person holds, not against what the server says.
 */
export function personTokenSubject(token: string | undefined): string | undefined {
  const m = /^gsp_([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/.exec(token ?? '');
  if (!m) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub.length > 0 ? sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The access-log columns must say what the proven entry says: the server cannot show one thing and prove another.
 * With the person's `subject`, the proven entry must also name that person (membership: the salted hash of the
 * subject is among the entry's subjects), so the server cannot list someone else's entry as theirs.
 */
export function accessLogProblem(item: AccessLogItem, subject?: string): string | null {
  const proof = inclusionProblem(item);
  if (proof) return proof;
  let e: {
    v?: unknown;
    salt?: unknown;
    subjects?: unknown;
    time?: unknown;
    action?: unknown;
    outcome?: unknown;
    actor?: { department?: unknown };
    dataset?: unknown;
    purpose?: unknown;
    fields?: unknown;
  };
  try {
    e = JSON.parse(item.entry) as typeof e;
  } catch {
    return 'the entry is not JSON';
  }
  const same =
    e.time === item.time &&
    e.action === item.action &&
    e.outcome === item.outcome &&
    (e.actor?.department ?? null) === item.department &&
    (e.dataset ?? null) === item.dataset &&
    (e.purpose ?? null) === item.purpose &&
    JSON.stringify(e.fields ?? []) === JSON.stringify(item.fields);
  if (!same) return 'the listed details differ from the proven entry';
  if (subject === undefined) return null;
  const entry = {
    v: e.v === 1 ? (1 as const) : (2 as const),
    ...(typeof e.salt === 'string' ? { salt: e.salt } : {}),
    ...(Array.isArray(e.subjects) ? { subjects: e.subjects.filter((x): x is string => typeof x === 'string') } : {}),
  };
  if (!namesSubject(entry, subject)) return 'the proven entry does not name you among its subjects';
  if (item.namedAs !== undefined && item.namedAs !== subjectValue(entry, subject))
    return 'the listed details differ from the proven entry';
  return null;
}
