import type { Keyring } from '../crypto/keyring.js';
import type { Queryable } from '../db/types.js';
import { activeSigningKey, publicKeys, signBytes, verifyBytes } from '../keys/signing.js';
import { canonicalJson } from '../core/canonical-json.js';
import { dbNodeSource, ledgerSize } from './ledger.js';
import { EMPTY_ROOT, rootAt } from './merkle.js';

export interface TreeHead {
  treeSize: number;
  root: string; // hex
  time: string; // ISO 8601
  kid: string;
  signature: string; // base64, ES256 IEEE P1363
}

/** The bytes a tree head signature covers: canonical JSON of {root, time, treeSize}, UTF-8. */
export const headBytes = (h: Pick<TreeHead, 'treeSize' | 'root' | 'time'>): Buffer =>
  Buffer.from(canonicalJson({ root: h.root, time: h.time, treeSize: h.treeSize }), 'utf8');

export async function rootOf(q: Queryable, size: number): Promise<Buffer> {
  return size === 0 ? EMPTY_ROOT : rootAt(dbNodeSource(q), size);
}

interface Row {
  tree_size: number | string;
  root: string;
  signed_at: Date | string;
  kid: string;
  signature: string;
}

const toHead = (r: Row): TreeHead => ({
  treeSize: Number(r.tree_size),
  root: r.root,
  time: new Date(r.signed_at).toISOString(),
  kid: r.kid,
  signature: r.signature,
});

/** Signs the current tree head with the node's audit key (unless that size is already signed). */
export async function signTreeHead(q: Queryable, ring: Keyring): Promise<TreeHead> {
  const size = await ledgerSize(q);
  const existing = await q.query<Row>('SELECT * FROM audit_tree_heads WHERE tree_size = $1', [size]);
  if (existing.rows[0]) return toHead(existing.rows[0]);
  const root = (await rootOf(q, size)).toString('hex');
  const time = new Date().toISOString();
  const key = await activeSigningKey(q, ring, 'audit');
  const signature = signBytes(key.privateKey, headBytes({ treeSize: size, root, time })).toString('base64');
  await q.query(
    'INSERT INTO audit_tree_heads (tree_size, root, signed_at, kid, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING',
    [size, root, time, key.kid, signature],
  );
  return { treeSize: size, root, time, kid: key.kid, signature };
}

export async function latestTreeHead(q: Queryable): Promise<TreeHead | undefined> {
  const res = await q.query<Row>('SELECT * FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1');
  return res.rows[0] ? toHead(res.rows[0]) : undefined;
}

export async function treeHeads(q: Queryable): Promise<TreeHead[]> {
  const res = await q.query<Row>('SELECT * FROM audit_tree_heads ORDER BY tree_size');
  return res.rows.map(toHead);
}

/** Checks a head's signature against the node's audit public keys. */
export async function verifyTreeHead(q: Queryable, head: TreeHead): Promise<boolean> {
  const keys = await publicKeys(q, 'audit');
  const k = keys.get(head.kid);
  return k !== undefined && verifyBytes(k.key, headBytes(head), Buffer.from(head.signature, 'base64'));
}
