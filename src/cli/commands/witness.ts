// Signed tree heads kept by a witness, given back to `govshare audit verify --head <file>` (docs/audit.md).
import { verifyConsistency } from '../../audit/merkle.js';
import type { Api } from '../api.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import type { TreeHead } from '../types.js';
import { readJsonFile } from './common.js';

const HEX64 = /^[0-9a-f]{64}$/;

function asHead(v: unknown, where: string): TreeHead {
  const h = v as Partial<Record<keyof TreeHead, unknown>> | null;
  const ok =
    typeof h === 'object' &&
    h !== null &&
    Number.isSafeInteger(h.treeSize) &&
    (h.treeSize as number) >= 0 &&
    typeof h.root === 'string' &&
    HEX64.test(h.root) &&
    typeof h.time === 'string' &&
    typeof h.kid === 'string' &&
    typeof h.signature === 'string';
  if (!ok)
    throw new CliError(
      `${where} is not a signed tree head: need { treeSize, root (64 lower-case hex), time, kid, signature } as govshare audit head --json prints`,
    );
  return {
    treeSize: h.treeSize as number,
    root: h.root as string,
    time: h.time as string,
    kid: h.kid as string,
    signature: h.signature as string,
  };
}

/** Reads a head, an array of heads, or `{ heads: [...] }` from a JSON file ('-' for standard input). */
export async function readWitnessHeads(io: Io, file: string): Promise<TreeHead[]> {
  const doc = await readJsonFile(io, file);
  const list = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && Array.isArray((doc as { heads?: unknown }).heads)
      ? (doc as { heads: unknown[] }).heads
      : [doc];
  return list.map((h, i) => asHead(h, list.length === 1 ? file : `${file}: head ${i}`));
}

/**
 * Through the server: the node's current signed head must extend every witness head (RFC 6962 consistency proof,
 * checked here). Returns the problems found; an empty list when every witness head is consistent.
 */
export async function witnessProblems(api: Api, witness: readonly TreeHead[]): Promise<string[]> {
  if (witness.length === 0) return [];
  const current = await api.request<TreeHead>('GET', '/api/v1/audit/tree-head');
  const problems: string[] = [];
  for (const w of witness) {
    const label = `witness head ${w.treeSize}`;
    if (w.treeSize > current.treeSize) {
      problems.push(
        `${label}: the node's current head has only ${current.treeSize} entries: the ledger was truncated or rolled back`,
      );
    } else if (w.treeSize === current.treeSize) {
      if (w.root !== current.root)
        problems.push(`${label}: the node's current head of the same size has another root (a fork or a rewrite)`);
    } else if (w.treeSize > 0) {
      const c = await api.request<{ proof: string[] }>('GET', '/api/v1/audit/consistency', {
        query: { from: String(w.treeSize), to: String(current.treeSize) },
      });
      const proof = Array.isArray(c.proof) && c.proof.every((p) => HEX64.test(p)) ? c.proof : null;
      const hex = (s: string) => Buffer.from(s, 'hex');
      if (!proof || !verifyConsistency(w.treeSize, current.treeSize, hex(w.root), hex(current.root), proof.map(hex)))
        problems.push(
          `${label}: no consistency proof leads from it to the node's current head ${current.treeSize} (the ledger was rewritten)`,
        );
    }
  }
  return problems;
}
