import type { Readable } from 'node:stream';

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
