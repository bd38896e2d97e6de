import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import {
  EMPTY_ROOT,
  FrontierAppender,
  HASH_SIZE,
  consistencyProof,
  frontierAt,
  inclusionProof,
  leafHash,
  memorySource,
  nodeHash,
  rootAt,
  rootFromFrontier,
  rootFromLeafHashes,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import type { CompletedNode, NodeSource } from './merkle.js';

const CONFORMANCE_DIR = fileURLToPath(new URL('../../../shared/conformance/merkle/', import.meta.url));
const haveConformance = existsSync(CONFORMANCE_DIR);
const skipConformance = haveConformance
  ? false
  : `conformance vectors not found at ${CONFORMANCE_DIR} (shared/ is not checked out next to the project)`;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? jsonFiles(p) : e.name.endsWith('.json') ? [p] : [];
    })
    .sort();
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Leaf hashes of n distinct leaves. */
function leaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
}

/** A copy of `b` with one bit flipped. */
function flipBit(b: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(b);
  c[(bit >> 3) % c.length]! ^= 1 << (bit & 7);
  return c;
}

/** Every complete node of a tree of n leaves, as "level:index" -> hex, per memorySource. */
async function allCompleteNodes(src: NodeSource, n: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let level = 0; 2 ** level <= n; level++) {
    for (let index = 0; (index + 1) * 2 ** level <= n; index++)
      out.set(`${level}:${index}`, hex(await src.node(level, index)));
  }
  return out;
}

function collect(nodes: readonly CompletedNode[], into: Map<string, string>): void {
  for (const { level, index, hash } of nodes) {
    const key = `${level}:${index}`;
    assert.ok(!into.has(key), `node ${key} reported twice`);
    into.set(key, hex(hash));
  }
}

/** Plain recursive RFC 6962 MTH, as an independent reference. */
function referenceMth(hs: readonly Buffer[]): Buffer {
  if (hs.length === 0) return createHash('sha256').digest();
  if (hs.length === 1) return hs[0]!;
  let k = 1;
  while (k * 2 < hs.length) k *= 2;
  return nodeHash(referenceMth(hs.slice(0, k)), referenceMth(hs.slice(k)));
}

// ---------------------------------------------------------------------------------------------
// conformance vectors

interface RootsFile {
  leafInputsHex: string[];
  rootsHex: string[];
}
interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

test('conformance: roots.json', { skip: skipConformance }, async () => {
  const roots = readJson<RootsFile>(join(CONFORMANCE_DIR, 'roots.json'));
  const hs = roots.leafInputsHex.map((h) => leafHash(Buffer.from(h, 'hex')));
  assert.equal(hs.length, 8);
  assert.equal(roots.rootsHex.length, 9);
  const src = memorySource(hs);
  const appender = new FrontierAppender();
  for (let n = 0; n <= 8; n++) {
    const want = roots.rootsHex[n]!;
    assert.equal(hex(rootFromLeafHashes(hs.slice(0, n))), want, `rootFromLeafHashes size ${n}`);
    assert.equal(hex(await rootAt(src, n)), want, `rootAt size ${n}`);
    assert.equal(hex(rootFromFrontier(await frontierAt(src, n))), want, `rootFromFrontier(frontierAt) size ${n}`);
    assert.equal(hex(rootFromFrontier(appender.frontier)), want, `rootFromFrontier(appender) size ${n}`);
    assert.equal(hex(appender.root()), want, `appender.root() size ${n}`);
    if (n < 8) appender.append(hs[n]!);
  }
});

test('conformance: inclusion/**.json', { skip: skipConformance }, async (t) => {
  const dir = join(CONFORMANCE_DIR, 'inclusion');
  const files = jsonFiles(dir);
  assert.ok(files.length > 0, `no vectors under ${dir}`);
  for (const file of files) {
    const v = readJson<InclusionVector>(file);
    await t.test(`${relative(CONFORMANCE_DIR, file)}: ${v.desc}`, () => {
      const ok = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
      assert.equal(ok, !v.wantErr);
    });
  }
});

test('conformance: consistency/**.json', { skip: skipConformance }, async (t) => {
  const dir = join(CONFORMANCE_DIR, 'consistency');
  const files = jsonFiles(dir);
  assert.ok(files.length > 0, `no vectors under ${dir}`);
  for (const file of files) {
    const v = readJson<ConsistencyVector>(file);
    await t.test(`${relative(CONFORMANCE_DIR, file)}: ${v.desc}`, () => {
      const ok = verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof ?? []).map(b64));
      assert.equal(ok, !v.wantErr);
    });
  }
});

test('conformance: happy-path proofs are the ones this module produces', { skip: skipConformance }, async () => {
  // The happy paths are built over the roots.json leaves; regenerate them and compare.
  const roots = readJson<RootsFile>(join(CONFORMANCE_DIR, 'roots.json'));
  const hs = roots.leafInputsHex.map((h) => leafHash(Buffer.from(h, 'hex')));
  const src = memorySource(hs);
  let compared = 0;
  for (const file of jsonFiles(join(CONFORMANCE_DIR, 'inclusion'))) {
    const v = readJson<InclusionVector>(file);
    if (v.wantErr || v.treeSize > hs.length || v.proof === null || v.proof.length === 0) continue;
    if (b64(v.root).toString('hex') !== roots.rootsHex[v.treeSize]) continue;
    assert.deepEqual(
      (await inclusionProof(src, v.leafIdx, v.treeSize)).map(hex),
      v.proof.map((p) => b64(p).toString('hex')),
      file,
    );
    compared++;
  }
  for (const file of jsonFiles(join(CONFORMANCE_DIR, 'consistency'))) {
    const v = readJson<ConsistencyVector>(file);
    if (v.wantErr || v.size1 === 0 || v.size2 > hs.length || v.size1 === v.size2) continue;
    if (b64(v.root2).toString('hex') !== roots.rootsHex[v.size2]) continue;
    const proof = (v.proof ?? []).map((p) => b64(p).toString('hex'));
    assert.deepEqual((await consistencyProof(src, v.size1, v.size2)).map(hex), proof, file);
    compared++;
  }
  assert.ok(compared > 0, 'no happy-path vector matched the roots.json tree');
});

// ---------------------------------------------------------------------------------------------
// hashing and roots

test('leaf and node hashes follow RFC 6962 domain separation', () => {
  const data = Buffer.from('hello');
  assert.deepEqual(
    leafHash(data),
    createHash('sha256')
      .update(Buffer.from([0]))
      .update(data)
      .digest(),
  );
  const a = leafHash(Buffer.from('a'));
  const b = leafHash(Buffer.from('b'));
  assert.deepEqual(
    nodeHash(a, b),
    createHash('sha256')
      .update(Buffer.from([1]))
      .update(a)
      .update(b)
      .digest(),
  );
  // Uint8Array views (not Buffers) at an offset hash the same
  const backing = new Uint8Array(70);
  backing.set(a, 3);
  backing.set(b, 35);
  assert.deepEqual(nodeHash(backing.subarray(3, 35), backing.subarray(35, 67)), nodeHash(a, b));
  assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(EMPTY_ROOT.length, HASH_SIZE);
});

test('roots agree with a recursive reference for sizes 0..70', async () => {
  const hs = leaves(70);
  const src = memorySource(hs);
  for (let n = 0; n <= 70; n++) {
    const want = referenceMth(hs.slice(0, n));
    assert.deepEqual(rootFromLeafHashes(hs.slice(0, n)), want, `size ${n}`);
    assert.deepEqual(await rootAt(src, n), want, `size ${n}`);
  }
  // an RFC-shaped subrange
  assert.deepEqual(await subtreeRoot(src, 32, 45), referenceMth(hs.slice(32, 45)));
  await assert.rejects(subtreeRoot(src, 3, 7), RangeError);
  await assert.rejects(subtreeRoot(src, 4, 4), RangeError);
});

test('rootAt calls the source only for complete aligned subtrees, O(log n) times', async () => {
  const hs = leaves(1025);
  const inner = memorySource(hs);
  const calls: [number, number][] = [];
  const src: NodeSource = {
    node: async (level, index) => {
      calls.push([level, index]);
      return inner.node(level, index);
    },
  };
  assert.deepEqual(await rootAt(src, 1023), referenceMth(hs.slice(0, 1023)));
  assert.equal(calls.length, 10);
  calls.length = 0;
  await inclusionProof(src, 700, 1023);
  assert.ok(calls.length <= 20, `${calls.length} node reads`);
});

// ---------------------------------------------------------------------------------------------
// proofs round-trip through the verifiers

test('inclusion proofs verify for sizes 1..70, 1000 and 1025, and bit flips break them', async () => {
  const hs = leaves(1025);
  const src = memorySource(hs);
  const sizes = [...Array.from({ length: 70 }, (_, i) => i + 1), 1000, 1025];
  for (const n of sizes) {
    const root = await rootAt(src, n);
    for (let i = 0; i < n; i++) {
      const proof = await inclusionProof(src, i, n);
      const leaf = hs[i]!;
      assert.ok(verifyInclusion(i, n, leaf, proof, root), `leaf ${i} of ${n}`);
      if (n > 70) continue; // exhaustive tampering only on the small trees
      for (let j = 0; j < proof.length; j++) {
        const bad = proof.slice();
        bad[j] = flipBit(proof[j]!, i + j);
        assert.equal(verifyInclusion(i, n, leaf, bad, root), false, `flipped proof[${j}] leaf ${i} of ${n}`);
      }
      assert.equal(verifyInclusion(i, n, leaf, proof, flipBit(root, i)), false);
      assert.equal(verifyInclusion(i, n, flipBit(leaf, i), proof, root), false);
      if (proof.length > 0) assert.equal(verifyInclusion(i, n, leaf, proof.slice(1), root), false);
      assert.equal(verifyInclusion(i, n, leaf, [...proof, leaf], root), false);
    }
  }
});

test('consistency proofs verify for all 1 <= m <= n <= 40, and bit flips break them', async () => {
  const hs = leaves(40);
  const src = memorySource(hs);
  const roots = await Promise.all(Array.from({ length: 41 }, (_, n) => rootAt(src, n)));
  for (let n = 1; n <= 40; n++) {
    for (let m = 1; m <= n; m++) {
      const proof = await consistencyProof(src, m, n);
      const r1 = roots[m]!;
      const r2 = roots[n]!;
      if (m === n) assert.deepEqual(proof, []);
      assert.ok(verifyConsistency(m, n, r1, r2, proof), `${m} -> ${n}`);
      for (let j = 0; j < proof.length; j++) {
        const bad = proof.slice();
        bad[j] = flipBit(proof[j]!, m + n + j);
        assert.equal(verifyConsistency(m, n, r1, r2, bad), false, `flipped proof[${j}] ${m} -> ${n}`);
      }
      assert.equal(verifyConsistency(m, n, flipBit(r1, m), r2, proof), false, `flipped root1 ${m} -> ${n}`);
      assert.equal(verifyConsistency(m, n, r1, flipBit(r2, n), proof), false, `flipped root2 ${m} -> ${n}`);
      if (m < n) {
        assert.equal(verifyConsistency(m, n, r2, r1, proof), false);
        assert.equal(verifyConsistency(m, n, r1, r2, proof.slice(0, -1)), false);
        assert.equal(verifyConsistency(m, n, r1, r2, [...proof, r1]), false);
      }
    }
  }
});

test('consistency proofs on larger trees', async () => {
  const hs = leaves(1025);
  const src = memorySource(hs);
  for (const [m, n] of [
    [1, 1025],
    [512, 1024],
    [513, 1025],
    [999, 1000],
    [1000, 1025],
    [1024, 1025],
  ] as const) {
    const proof = await consistencyProof(src, m, n);
    assert.ok(verifyConsistency(m, n, await rootAt(src, m), await rootAt(src, n), proof), `${m} -> ${n}`);
  }
});

test('proof generation rejects bad arguments', async () => {
  const src = memorySource(leaves(5));
  await assert.rejects(inclusionProof(src, 5, 5), RangeError);
  await assert.rejects(inclusionProof(src, -1, 5), RangeError);
  await assert.rejects(inclusionProof(src, 0, 0), RangeError);
  await assert.rejects(consistencyProof(src, 0, 5), RangeError);
  await assert.rejects(consistencyProof(src, 4, 3), RangeError);
  await assert.rejects(consistencyProof(src, 1.5, 3), RangeError);
  await assert.rejects(rootAt(src, 6), RangeError); // memorySource refuses incomplete nodes
});

test('verifiers return false, never throw, on malformed input', () => {
  const hs = leaves(4);
  const root = rootFromLeafHashes(hs);
  const proof = [hs[1]!, nodeHash(hs[2]!, hs[3]!)];
  assert.ok(verifyInclusion(0, 4, hs[0]!, proof, root));
  const junk: unknown[] = [null, undefined, 'x', 1, {}, [], new Uint8Array(31), new Uint8Array(33)];
  for (const j of junk) {
    assert.equal(verifyInclusion(0, 4, j as Uint8Array, proof, root), false);
    assert.equal(verifyInclusion(0, 4, hs[0]!, proof, j as Uint8Array), false);
    assert.equal(verifyInclusion(0, 4, hs[0]!, [hs[1]!, j as Uint8Array], root), false);
    assert.equal(verifyInclusion(0, 4, hs[0]!, j as Uint8Array[], root), false);
    assert.equal(verifyInclusion(j as number, 4, hs[0]!, proof, root), false);
    assert.equal(verifyInclusion(0, j as number, hs[0]!, proof, root), false);
    assert.equal(verifyConsistency(2, 4, j as Uint8Array, root, [nodeHash(hs[2]!, hs[3]!)]), false);
    assert.equal(verifyConsistency(2, 4, nodeHash(hs[0]!, hs[1]!), j as Uint8Array, [nodeHash(hs[2]!, hs[3]!)]), false);
    assert.equal(verifyConsistency(2, 4, nodeHash(hs[0]!, hs[1]!), root, j as Uint8Array[]), false);
    assert.equal(verifyConsistency(j as number, 4, root, root, []), false);
  }
  assert.ok(verifyConsistency(2, 4, nodeHash(hs[0]!, hs[1]!), root, [nodeHash(hs[2]!, hs[3]!)]));
  assert.equal(verifyInclusion(0.5, 4, hs[0]!, proof, root), false);
  assert.equal(verifyInclusion(4, 4, hs[0]!, proof, root), false);
  assert.equal(verifyInclusion(2 ** 60, 2 ** 61, hs[0]!, proof, root), false);
  assert.equal(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []), false);
  assert.equal(verifyConsistency(0, 4, EMPTY_ROOT, root, []), false);
  assert.equal(verifyConsistency(4, 2, root, root, []), false);
  assert.ok(verifyConsistency(4, 4, root, root, []));
  assert.equal(verifyConsistency(4, 4, root, root, [root]), false);
  // a huge proof is refused without hashing all of it
  assert.equal(
    verifyInclusion(
      0,
      4,
      hs[0]!,
      Array.from({ length: 10_000 }, () => hs[1]!),
      root,
    ),
    false,
  );
});

// ---------------------------------------------------------------------------------------------
// FrontierAppender

test('FrontierAppender one leaf at a time reports exactly the complete nodes, sizes 0..70', async () => {
  const hs = leaves(70);
  const src = memorySource(hs);
  const appender = new FrontierAppender();
  const seen = new Map<string, string>();
  for (let n = 0; n <= 70; n++) {
    assert.equal(appender.size, n);
    assert.deepEqual(seen, await allCompleteNodes(src, n), `nodes at size ${n}`);
    assert.deepEqual(appender.root(), await rootAt(src, n), `root at size ${n}`);
    assert.deepEqual(rootFromFrontier(appender.frontier), await rootAt(src, n));
    assert.deepEqual(appender.frontier, await frontierAt(src, n));
    if (n < 70) {
      const done = appender.append(hs[n]!);
      assert.deepEqual(done[0], { level: 0, index: n, hash: hs[n] });
      done.forEach((d, i) => assert.equal(d.level, i));
      collect(done, seen);
    }
  }
});

test('FrontierAppender in batches, resumed from a NodeSource, matches memorySource (1025 leaves)', async () => {
  const hs = leaves(1025);
  const src = memorySource(hs);
  const batches = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 40]; // sums to 1025
  assert.equal(
    batches.reduce((a, b) => a + b, 0),
    1025,
  );
  const seen = new Map<string, string>();
  let appender = new FrontierAppender();
  let at = 0;
  for (const [bi, size] of batches.entries()) {
    if (bi % 3 === 2) {
      // a restart: rebuild the appender from stored nodes
      appender = await FrontierAppender.fromSource(src, at);
      assert.equal(appender.size, at);
    }
    collect(appender.appendMany(hs.slice(at, at + size)), seen);
    at += size;
    assert.deepEqual(appender.root(), await rootAt(src, at), `root at ${at}`);
  }
  assert.deepEqual(seen, await allCompleteNodes(src, 1025));
  assert.equal(seen.size, 2 * 1025 - 2); // popcount(1025) = 2, so 2n - popcount(n) complete nodes

  // the callback form reports the same nodes
  const viaVisitor = new Map<string, string>();
  const b = new FrontierAppender();
  b.appendEach(hs, (level, index, hash) => collect([{ level, index, hash }], viaVisitor));
  assert.deepEqual(viaVisitor, seen);
  assert.deepEqual(b.root(), referenceMth(hs));
});

test('FrontierAppender validates its inputs', () => {
  const hs = leaves(3);
  assert.throws(() => new FrontierAppender(3, [hs[0]!]), RangeError);
  assert.throws(() => new FrontierAppender(-1, []), RangeError);
  assert.throws(() => new FrontierAppender(1, [new Uint8Array(31)]), RangeError);
  const a = new FrontierAppender(2, [nodeHash(hs[0]!, hs[1]!)]);
  assert.throws(() => a.append(new Uint8Array(5)), RangeError);
  assert.equal(a.size, 2);
  a.append(hs[2]!);
  assert.deepEqual(a.root(), rootFromLeafHashes(hs));
  assert.deepEqual(new FrontierAppender().root(), EMPTY_ROOT);
  assert.throws(() => rootFromLeafHashes([new Uint8Array(3)]), RangeError);
});
