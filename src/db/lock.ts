// The lock on an embedded data directory: one process at a time may open it. The holder writes `govshare.lock`
// (pid, host, start time, command) with O_EXCL; a second process gets an error naming the holder. The lock goes
// when the database closes and when the process exits (a `process.exit` too); a lock left by a killed process
// (its pid is not alive on this host, or is this very process, e.g. pid 1 again in a restarted container) is taken over.
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hostname } from 'node:os';

export const LOCK_FILE = 'govshare.lock';

export interface LockInfo {
  pid: number;
  host: string;
  since: string; // ISO 8601, when the lock was taken
  command: string;
}

export interface DirLock {
  readonly file: string;
  release(): void;
}

/** A second opener of a locked data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockInfo | undefined,
  ) {
    const file = join(dir, LOCK_FILE);
    super(
      holder
        ? `the data directory ${dir} is in use by pid ${holder.pid} (${holder.command}) on host ${holder.host} since ${holder.since}; ` +
            `stop that process first (if it is not a govshare process, remove ${file})`
        : `the data directory ${dir} is locked by ${file}, which cannot be read; if no govshare process uses the directory, remove it`,
    );
    this.name = 'DataDirLockedError';
  }
}

const held = new Map<string, string>(); // lock file -> the content this process wrote
let exitHooked = false;

function releaseAll(): void {
  for (const file of held.keys()) releaseFile(file);
}

function releaseFile(file: string): void {
  const mine = held.get(file);
  if (mine === undefined) return;
  held.delete(file);
  try {
    // Only our own lock: a lock taken over (ours was judged stale) belongs to someone else now.
    if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}

/** The command line's words that name the command (never its options, which may hold a token). */
export function commandName(argv: readonly string[] = process.argv): string {
  const script = argv[1] ? basename(argv[1]) : 'node';
  const name = /^(govshare(\.js)?|bin\.[jt]s)$/.test(script) ? 'govshare' : script;
  const words: string[] = [];
  for (const a of argv.slice(2)) {
    if (a.startsWith('-') || words.length === 2 || !/^[a-z][a-z-]*$/.test(a)) break;
    words.push(a);
  }
  return [name, ...words].join(' ');
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return { pid: v.pid, host: v.host, since: String(v.since ?? '?'), command: String(v.command ?? '?') };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Stale: the holder is on this host and gone (or is this process's pid, which does not hold it). */
function isStale(info: LockInfo | undefined, file: string): boolean {
  if (!info || info.host !== hostname()) return false;
  if (info.pid === process.pid) return !held.has(file);
  return !alive(info.pid);
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes the lock on `dir` (which exists) or throws DataDirLockedError naming the holder. */
export function lockDataDir(dir: string, command = commandName()): DirLock {
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const content = `${JSON.stringify(info)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, content)) {
      held.set(file, content);
      if (!exitHooked) {
        exitHooked = true;
        process.on('exit', releaseAll);
      }
      return { file, release: () => releaseFile(file) };
    }
    const holder = readLock(file);
    if (!isStale(holder, file)) {
      if (holder || attempt === 2) throw new DataDirLockedError(dir, holder);
      continue; // being written right now: read it again
    }
    // A stale lock: move it aside under a name of our own (only one taker's rename can win), then create ours.
    const aside = `${file}.stale.${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      continue;
    }
    const moved = readLock(aside);
    rmSync(aside, { force: true });
    if (moved && holder && (moved.pid !== holder.pid || moved.since !== holder.since)) {
      // Another process took the stale lock over between our read and our rename: we moved its live lock. Put it back.
      tryCreate(file, `${JSON.stringify(moved)}\n`);
      throw new DataDirLockedError(dir, moved);
    }
  }
  throw new DataDirLockedError(dir, readLock(file));
}
