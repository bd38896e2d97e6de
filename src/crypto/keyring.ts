import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** The stored (JSON) form of a keyring. Key material is base64 of exactly 32 bytes. */
export interface KeyringData {
  active: string;
  keys: { id: string; key: string; createdAt: string }[];
  indexKey: string;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_BYTES = 32;

interface Entry {
  id: string;
  key: KeyObject; // cached for createCipheriv / createDecipheriv
  createdAt: string;
}

const fail = (what: string): never => {
  throw new Error(`field keyring: ${what}`);
};

/** Decodes strict base64 of exactly 32 bytes; the message names the field, never the value. */
function keyOf(b64: unknown, name: string): KeyObject {
  if (typeof b64 !== 'string' || !BASE64.test(b64)) return fail(`${name} must be a base64 string`);
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== KEY_BYTES) return fail(`${name} must be exactly ${KEY_BYTES} bytes (got ${raw.length})`);
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}

function newId(taken: ReadonlySet<string>): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  for (;;) {
    const id = `k${day}-${randomBytes(4).toString('hex')}`;
    if (!taken.has(id)) return id;
  }
}

const newEntry = (taken: ReadonlySet<string>): Entry => ({
  id: newId(taken),
  key: createSecretKey(randomBytes(KEY_BYTES)),
  createdAt: new Date().toISOString(),
});

/**
 * AES-256 field keys (one active for new encryptions, older ones kept for decryption until rotation has
 * re-encrypted everything) plus a separate HMAC-SHA256 key for blind indexes and content hashes, which field-key
 * rotation does not change. Immutable: rotate() and retire() return new keyrings.
 */
export class Keyring {
  readonly #entries: ReadonlyMap<string, Entry>;
  readonly #active: Entry;
  readonly #indexKey: KeyObject;

  private constructor(entries: readonly Entry[], active: string, indexKey: KeyObject) {
    this.#entries = new Map(entries.map((e) => [e.id, e]));
    this.#active = this.#entries.get(active) ?? fail(`active key is not in keys`);
    this.#indexKey = indexKey;
  }

  static generate(): Keyring {
    const first = newEntry(new Set());
    return new Keyring([first], first.id, createSecretKey(randomBytes(KEY_BYTES)));
  }

  /** Validates and loads a keyring; throws an Error naming what is wrong (never the key material). */
  static parse(json: string | KeyringData): Keyring {
    let data: unknown = json;
    if (typeof json === 'string') {
      try {
        data = JSON.parse(json);
      } catch {
        fail('not valid JSON'); // the parser's own message would quote the input
      }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('must be a JSON object');
    const d = data as Record<string, unknown>;
    if (!Array.isArray(d.keys) || d.keys.length === 0) return fail('"keys" must be a non-empty array');
    const entries: Entry[] = [];
    const seen = new Set<string>();
    d.keys.forEach((k: unknown, i) => {
      if (typeof k !== 'object' || k === null) return fail(`keys[${i}] must be an object`);
      const { id, key, createdAt } = k as Record<string, unknown>;
      if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id))
        return fail(`keys[${i}].id must match ${KEY_ID_PATTERN.source}`);
      if (seen.has(id)) return fail(`duplicate key id "${id}"`);
      seen.add(id);
      if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
        return fail(`key "${id}": createdAt must be an ISO 8601 date`);
      entries.push({ id, key: keyOf(key, `key "${id}"`), createdAt });
    });
    if (typeof d.active !== 'string' || !KEY_ID_PATTERN.test(d.active)) return fail(`"active" must be a key id`);
    if (!seen.has(d.active)) return fail(`active key "${d.active}" is not in keys`);
    const indexKey = keyOf(d.indexKey, '"indexKey"');
    entries.forEach((a, i) => {
      if (a.key.equals(indexKey)) fail(`indexKey must differ from field key "${a.id}"`);
      for (const b of entries.slice(i + 1))
        if (a.key.equals(b.key)) fail(`keys "${a.id}" and "${b.id}" have the same key material`);
    });
    return new Keyring(entries, d.active, indexKey);
  }

  /** The stored form, including key material: write it only to protected storage, never to logs. */
  toJSON(): KeyringData {
    return {
      active: this.#active.id,
      keys: [...this.#entries.values()].map((e) => ({
        id: e.id,
        key: e.key.export().toString('base64'),
        createdAt: e.createdAt,
      })),
      indexKey: this.#indexKey.export().toString('base64'),
    };
  }

  get activeId(): string {
    return this.#active.id;
  }

  /** Key ids, oldest first. */
  get ids(): string[] {
    return [...this.#entries.keys()];
  }

  /** Key ids and creation times, without key material. */
  describe(): { id: string; createdAt: string; active: boolean }[] {
    return [...this.#entries.values()].map((e) => ({ id: e.id, createdAt: e.createdAt, active: e === this.#active }));
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The AES-256 key object for a key id (for createCipheriv / createDecipheriv). */
  key(id: string): KeyObject | undefined {
    return this.#entries.get(id)?.key;
  }

  get activeKey(): { readonly id: string; readonly key: KeyObject } {
    return this.#active;
  }

  /** The HMAC-SHA256 key for blind indexes and content hashes. */
  get indexKey(): KeyObject {
    return this.#indexKey;
  }

  /** A new keyring with a freshly generated key made active; the old keys stay for decryption. */
  rotate(): Keyring {
    const next = newEntry(new Set(this.#entries.keys()));
    return new Keyring([...this.#entries.values(), next], next.id, this.#indexKey);
  }

  /** A new keyring without a (non-active) key: only once nothing is encrypted under it any more. */
  retire(id: string): Keyring {
    if (id === this.#active.id) fail(`cannot retire the active key "${id}"`);
    if (!this.#entries.has(id)) fail(`no key "${id}"`);
    return new Keyring(
      [...this.#entries.values()].filter((e) => e.id !== id),
      this.#active.id,
      this.#indexKey,
    );
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Keyring { active: ${this.#active.id}, ids: [${this.ids.join(', ')}] }`;
  }
}

export interface LoadKeyringOptions {
  env?: string | undefined; // GOVSHARE_FIELD_KEYS: the keyring JSON
  file: string; // e.g. <dataDir>/field-keys.json
  create: boolean; // generate and write the file when it does not exist
}

const errCode = (e: unknown): unknown => (e as NodeJS.ErrnoException | null)?.code;

function withContext<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Reads a keyring file, refusing one that group or others can access. Undefined when it does not exist. */
function readKeyringFile(file: string): Keyring | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(`${file} is accessible by group or others (mode ${mode}); restrict it with: chmod 600 ${file}`);
    }
    const text = readFileSync(fd, 'utf8');
    return withContext(file, () => Keyring.parse(text));
  } finally {
    closeSync(fd);
  }
}

/** Writes the keyring to a new, fsynced temporary file (mode 0600) beside `file`; returns its path. */
function writeTemp(file: string, ring: Keyring): string {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(ring.toJSON(), null, 2)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported everywhere (e.g. Windows); the rename itself has happened
  }
}

/** Writes a keyring atomically (temporary file + rename), mode 0600. */
export function saveKeyring(file: string, ring: Keyring): void {
  const tmp = writeTemp(file, ring);
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  syncDir(dirname(file));
}

/** Creates the file only if it does not exist (link fails with EEXIST), so concurrent first starts agree on one keyring. */
function createKeyringFile(file: string): Keyring {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const ring = Keyring.generate();
  const tmp = writeTemp(file, ring);
  try {
    linkSync(tmp, file);
  } catch (e) {
    if (errCode(e) !== 'EEXIST') throw e;
    return readKeyringFile(file) ?? fail(`${file} vanished while being created`);
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dirname(file));
  return ring;
}

/**
 * The node's field keyring: from `env` (GOVSHARE_FIELD_KEYS) when set and not empty, else from `file` (which must
 * not be accessible by group or others), else, when `create`, a new keyring written to `file` with mode 0600.
 */
export function loadKeyring(opts: LoadKeyringOptions): Keyring {
  if (opts.env !== undefined && opts.env.trim() !== '')
    return withContext('GOVSHARE_FIELD_KEYS', () => Keyring.parse(opts.env!));
  const existing = readKeyringFile(opts.file);
  if (existing) return existing;
  if (!opts.create) {
    throw new Error(
      `field keyring: ${opts.file} does not exist and GOVSHARE_FIELD_KEYS is not set; without the keys, encrypted fields cannot be read`,
    );
  }
  return createKeyringFile(opts.file);
}
