// RFC 6962 / RFC 9162 Merkle tree hashing, proofs and verification.
//
// Leaf hash  = SHA-256(0x00 || data)
// Node hash  = SHA-256(0x01 || left || right)
// MTH({})    = SHA-256("")
//
// Tree sizes and indexes are plain numbers; everything here works for any safe integer
// (< 2^53), so no 32-bit bit operations are used on them.
//
// Storage model: a "node" is the hash of a complete, aligned subtree of 2^level leaves
// starting at leaf index*2^level. Those nodes never change once the tree has grown past
// them, so a ledger can store each one as it is completed (FrontierAppender reports them)
// and answer any root or proof from O(log n) of them through a NodeSource.

import { createHash } from 'node:crypto';

/** Size in bytes of every hash (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
/** Scratch buffer for node hashing: 0x01 || left || right. Used synchronously only. */
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right). Both inputs are normally 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeScratch.set(left, 1);
    nodeScratch.set(right, 1 + HASH_SIZE);
    return createHash('sha256').update(nodeScratch).digest();
  }
  return createHash('sha256').update(nodeScratch.subarray(0, 1)).update(left).update(right).digest();
}

/** MTH of the empty tree: SHA-256 of the empty string. Shared instance: do not mutate. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/**
 * Where proofs and roots get their node hashes from (e.g. a database table of complete nodes).
 */
export interface NodeSource {
  /**
   * Hash of the complete subtree of 2^level leaves starting at leaf index index*2^level
   * (level 0 = the leaf hash itself). Only called for subtrees that are complete within the tree.
   */
  node(level: number, index: number): Promise<Buffer> | Buffer;
}

/** A node completed by an append: level 0 is the appended leaf itself. */
export interface CompletedNode {
  level: number;
  index: number;
  hash: Buffer;
}

/** Callback form of CompletedNode, for appending without allocating result objects. */
export type NodeVisitor = (level: number, index: number, hash: Buffer) => void;

// ---------------------------------------------------------------------------------------------
// small helpers

function isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

function asBuffer(x: Uint8Array): Buffer {
  return Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** Checks a 32-byte hash argument and returns it as a Buffer (no copy). */
function requireHash(x: unknown, what: string): Buffer {
  if (!isHash(x)) throw new RangeError(`${what} must be a ${HASH_SIZE}-byte hash`);
  return asBuffer(x);
}

function requireSize(n: unknown, what: string): number {
  if (!isSize(n)) throw new RangeError(`${what} must be a non-negative safe integer, got ${String(n)}`);
  return n;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of set bits of a safe integer. */
function popcount(n: number): number {
  let c = 0;
  while (n > 0) {
    if (n % 2 === 1) c++;
    n = Math.floor(n / 2);
  }
  return c;
}

/** Largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The aligned complete subtrees making up [start, end), largest first, as flat (level, index)
 * pairs appended to `out`. Valid for every range RFC 6962 recursion produces: start must be a
 * multiple of the largest power of two <= end - start.
 */
function pushChunks(start: number, end: number, out: number[]): void {
  const n = end - start;
  let p = 1;
  let level = 0;
  while (p * 2 <= n) {
    p *= 2;
    level++;
  }
  if (start % p !== 0) throw new RangeError(`[${start}, ${end}) is not a Merkle subtree range`);
  let pos = start;
  let rem = n;
  while (rem > 0) {
    if (p <= rem) {
      out.push(level, pos / p);
      pos += p;
      rem -= p;
    }
    p /= 2;
    level--;
  }
}

/** Folds complete subtree hashes (largest first) into the root of their concatenation. */
function foldRight(hashes: readonly Buffer[], from: number, to: number): Buffer {
  let root = hashes[to - 1] as Buffer;
  for (let i = to - 2; i >= from; i--) root = nodeHash(hashes[i] as Buffer, root);
  return root;
}

async function fetchNodes(src: NodeSource, coords: readonly number[]): Promise<Buffer[]> {
  const pending: (Promise<Buffer> | Buffer)[] = [];
  for (let i = 0; i < coords.length; i += 2) pending.push(src.node(coords[i] as number, coords[i + 1] as number));
  const hashes = await Promise.all(pending);
  hashes.forEach((h, j) => {
    if (!isHash(h)) {
      throw new Error(`NodeSource returned a bad hash for node (level ${coords[2 * j]}, index ${coords[2 * j + 1]})`);
    }
  });
  return hashes;
}

/** Roots of several subtree ranges, fetching every needed node in one concurrent batch. */
async function rangeRoots(src: NodeSource, ranges: readonly (readonly [number, number])[]): Promise<Buffer[]> {
  const coords: number[] = [];
  const bounds: number[] = [];
  for (const [s, e] of ranges) {
    bounds.push(coords.length / 2);
    pushChunks(s, e, coords);
  }
  bounds.push(coords.length / 2);
  const hashes = await fetchNodes(src, coords);
  return ranges.map((_, i) => foldRight(hashes, bounds[i] as number, bounds[i + 1] as number));
}

// ---------------------------------------------------------------------------------------------
// roots

/** MTH over already-hashed leaves; iterative, O(n) time, O(log n) extra memory. */
export function rootFromLeafHashes(leaves: readonly Uint8Array[]): Buffer {
  const stack: Buffer[] = [];
  for (let i = 0; i < leaves.length; i++) {
    let h = requireHash(leaves[i], `leaf hash ${i}`);
    for (let idx = i; idx % 2 === 1; idx = (idx - 1) / 2) h = nodeHash(stack.pop() as Buffer, h);
    stack.push(h);
  }
  return rootFromFrontier(stack);
}

/**
 * Root of a tree given its frontier: the hashes of the complete subtrees along its right edge,
 * largest (leftmost) first, one per set bit of the tree size. Empty frontier = empty tree.
 */
export function rootFromFrontier(frontier: readonly Uint8Array[]): Buffer {
  if (frontier.length === 0) return Buffer.from(EMPTY_ROOT);
  const hashes = frontier.map((h, i) => requireHash(h, `frontier hash ${i}`));
  return foldRight(hashes, 0, hashes.length);
}

/**
 * MTH of leaves [start, end) for any range RFC 6962 recursion produces (start aligned to the
 * largest power of two <= end - start). Uses src.node for the aligned complete subtrees only.
 */
export async function subtreeRoot(src: NodeSource, start: number, end: number): Promise<Buffer> {
  requireSize(start, 'start');
  requireSize(end, 'end');
  if (end <= start) throw new RangeError(`empty or reversed range [${start}, ${end})`);
  const [root] = await rangeRoots(src, [[start, end]]);
  return root as Buffer;
}

/** Root of the tree of the first `size` leaves. */
export async function rootAt(src: NodeSource, size: number): Promise<Buffer> {
  requireSize(size, 'size');
  if (size === 0) return Buffer.from(EMPTY_ROOT);
  return subtreeRoot(src, 0, size);
}

/** The frontier (right-edge complete subtree hashes, largest first) of the tree of `size` leaves. */
export async function frontierAt(src: NodeSource, size: number): Promise<Buffer[]> {
  requireSize(size, 'size');
  if (size === 0) return [];
  const coords: number[] = [];
  pushChunks(0, size, coords);
  return fetchNodes(src, coords);
}

// ---------------------------------------------------------------------------------------------
// proofs

/** RFC 6962 PATH(index, D[size]): sibling hashes from the leaf up. */
export async function inclusionProof(src: NodeSource, index: number, size: number): Promise<Buffer[]> {
  requireSize(index, 'index');
  requireSize(size, 'size');
  if (index >= size) throw new RangeError(`leaf index ${index} is not in a tree of size ${size}`);
  const siblings: [number, number][] = []; // top-down
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push([start + k, end]);
      end = start + k;
    } else {
      siblings.push([start, start + k]);
      start += k;
    }
  }
  return (await rangeRoots(src, siblings)).reverse();
}

/** RFC 6962 PROOF(size1, D[size2]) (SUBPROOF with b = true). size1 == size2 gives []; size1 == 0 throws. */
export async function consistencyProof(src: NodeSource, size1: number, size2: number): Promise<Buffer[]> {
  requireSize(size1, 'size1');
  requireSize(size2, 'size2');
  if (size1 === 0) throw new RangeError('no consistency proof from the empty tree');
  if (size1 > size2) throw new RangeError(`size1 (${size1}) > size2 (${size2})`);
  const siblings: [number, number][] = []; // top-down
  let start = 0;
  let end = size2;
  let m = size1; // relative to start
  let complete = true; // SUBPROOF's b: still on the path of the old root itself
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      siblings.push([start + k, end]);
      end = start + k;
    } else {
      siblings.push([start, start + k]);
      start += k;
      m -= k;
      complete = false;
    }
  }
  siblings.reverse();
  if (!complete) siblings.unshift([start, end]);
  if (siblings.length === 0) return [];
  return rangeRoots(src, siblings);
}

// ---------------------------------------------------------------------------------------------
// node sources and appending

/**
 * NodeSource over an in-memory array of leaf hashes (tests, small trees). Interior nodes are
 * computed on demand and cached; the array may grow (append-only) after creation.
 */
export function memorySource(leafHashes: Buffer[]): NodeSource {
  const cache: Map<number, Buffer>[] = [];
  const node = (level: number, index: number): Buffer => {
    if (!isSize(level) || !isSize(index) || level > 52 || (index + 1) * 2 ** level > leafHashes.length) {
      throw new RangeError(
        `node (level ${level}, index ${index}) is not complete in a tree of ${leafHashes.length} leaves`,
      );
    }
    if (level === 0) return requireHash(leafHashes[index], `leaf hash ${index}`);
    let byIndex = cache[level];
    if (byIndex === undefined) {
      byIndex = new Map();
      cache[level] = byIndex;
    }
    let h = byIndex.get(index);
    if (h === undefined) {
      h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      byIndex.set(index, h);
    }
    return h;
  };
  return { node };
}

/**
 * Appends leaf hashes to a tree known only by its frontier, reporting every node each append
 * completes (the leaf at level 0, then each parent it closes), O(log n) worst case and O(1)
 * amortised hashes per leaf. Keeps references to the leaf Buffers given: do not mutate them.
 */
export class FrontierAppender {
  #size: number;
  /** Right-edge complete subtree hashes, largest (leftmost) first; one per set bit of #size. */
  readonly #stack: Buffer[];

  /** Starts from a tree of `size` leaves with the given frontier (largest subtree first). */
  constructor(size = 0, frontier: readonly Uint8Array[] = []) {
    requireSize(size, 'size');
    if (frontier.length !== popcount(size)) {
      throw new RangeError(`a tree of size ${size} has a frontier of ${popcount(size)} hashes, got ${frontier.length}`);
    }
    this.#size = size;
    this.#stack = frontier.map((h, i) => requireHash(h, `frontier hash ${i}`));
  }

  /** An appender continuing the tree of `size` leaves stored in `src`. */
  static async fromSource(src: NodeSource, size: number): Promise<FrontierAppender> {
    return new FrontierAppender(size, await frontierAt(src, size));
  }

  /** Number of leaves appended so far (including the starting size). */
  get size(): number {
    return this.#size;
  }

  /** Copy of the frontier: right-edge complete subtree hashes, largest first. */
  get frontier(): Buffer[] {
    return this.#stack.slice();
  }

  /** Current tree root. */
  root(): Buffer {
    return rootFromFrontier(this.#stack);
  }

  /** Appends one leaf hash; returns the nodes it completed (level 0 first). */
  append(leafHash: Uint8Array): CompletedNode[] {
    const out: CompletedNode[] = [];
    this.#append(leafHash, out, null);
    return out;
  }

  /** Appends leaf hashes in order; returns every node completed, in completion order. */
  appendMany(leafHashes: Iterable<Uint8Array>): CompletedNode[] {
    const out: CompletedNode[] = [];
    for (const h of leafHashes) this.#append(h, out, null);
    return out;
  }

  /** Appends leaf hashes in order, passing each completed node to `onNode` (no result objects). */
  appendEach(leafHashes: Iterable<Uint8Array>, onNode: NodeVisitor): void {
    for (const h of leafHashes) this.#append(h, null, onNode);
  }

  #append(leaf: Uint8Array, out: CompletedNode[] | null, visit: NodeVisitor | null): void {
    let h = requireHash(leaf, 'leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('tree is full');
    let index = this.#size;
    let level = 0;
    for (;;) {
      if (out !== null) out.push({ level, index, hash: h });
      else if (visit !== null) visit(level, index, h);
      if (index % 2 === 0) break;
      // a right child: its left sibling is the top of the frontier
      h = nodeHash(this.#stack.pop() as Buffer, h);
      index = (index - 1) / 2;
      level++;
    }
    this.#stack.push(h);
    this.#size++;
  }
}

// ---------------------------------------------------------------------------------------------
// verification (RFC 9162 2.1.3.2 and 2.1.4.2)

/**
 * RFC 9162 2.1.3.2: does `proof` show the leaf with hash `leafHash` at `leafIndex` is in the tree
 * of `treeSize` leaves with root `root`? Returns false (never throws) for any malformed input.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
    if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof)) return false;
    if (!proof.every(isHash)) return false;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r: Uint8Array = leafHash;
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 2.1.4.2: does `proof` show the tree of size1 leaves with root1 is a prefix of the tree
 * of size2 leaves with root2? False (never throws) for malformed input, size1 > size2, and
 * size1 == 0 (an error in this project). size1 == size2 needs an empty proof and equal roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  try {
    if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) return false;
    const path = proof;
    if (!Array.isArray(path)) return false;
    if (size1 === size2) {
      // Nothing is hashed here: the roots are compared as given. (The conformance vector
      // consistency/additional/sizes-are-equal-one-and-proof-is-empty.json requires equal
      // non-32-byte roots to pass.)
      return (
        path.length === 0 && root1 instanceof Uint8Array && root2 instanceof Uint8Array && bytesEqual(root1, root2)
      );
    }
    if (!isHash(root1) || !isHash(root2) || path.length === 0 || !path.every(isHash)) return false;

    // If size1 is a power of two the old root is the first node of the path.
    const isPow2 = popcount(size1) === 1;
    let i = 0;
    let fr: Uint8Array;
    if (isPow2) {
      fr = root1;
    } else {
      fr = path[0] as Uint8Array;
      i = 1;
    }
    let sr: Uint8Array = fr;
    let fn = size1 - 1;
    let sn = size2 - 1;
    while (fn % 2 === 1) {
      fn = (fn - 1) / 2;
      sn = Math.floor(sn / 2);
    }
    for (; i < path.length; i++) {
      const c = path[i] as Uint8Array;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
  } catch {
    return false;
  }
}
