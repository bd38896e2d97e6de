import { Readable } from 'node:stream';

/** Where a command reads and writes; the process in production, buffers in tests. */
export interface Io {
  /** Writes text to standard output as is (callers add the newline). */
  out(text: string): void;
  /** Writes text to standard error as is. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  fetch: typeof fetch;
}

export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    stdin: process.stdin,
    fetch: (input, init) => fetch(input, init),
  };
}

export interface MemoryIo extends Io {
  stdout(): string;
  stderr(): string;
}

/** An Io that collects output in memory (for tests and embedding); fetch fails unless one is given. */
export function memoryIo(opts: { env?: NodeJS.ProcessEnv; stdin?: string; fetch?: typeof fetch } = {}): MemoryIo {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    env: opts.env ?? {},
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    fetch:
      opts.fetch ??
      (() =>
        Promise.reject(
          new TypeError('fetch failed', {
            cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          }),
        )),
    stdout: () => out,
    stderr: () => err,
  };
}

/** Mutable state one run shares with its command actions. */
export interface CliContext {
  io: Io;
  /** The exit code the finished action asks for. */
  code: number;
}

/** Prints a value as indented JSON on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
