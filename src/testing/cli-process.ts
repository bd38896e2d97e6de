// One `govshare` command as a real process from the TypeScript sources, for tests of signals, locks and exits:
// its output, a wait for a line, its exit. Killed (SIGKILL) if the test process exits first.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../db/types.js';
import { openPostgres } from '../db/postgres.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../cli/bin.ts', import.meta.url));

/** Settings of the test runner's environment that must not reach the command: its flags decide. */
const SCRUBBED = [
  'DATABASE_URL',
  'GOVSHARE_DB_SCHEMA',
  'GOVSHARE_DATA_DIR',
  'GOVSHARE_FIELD_KEYS',
  'GOVSHARE_DEMO',
  'GOVSHARE_DEMO_PERSONS',
  'GOVSHARE_SHUTDOWN_SECONDS',
  'GOVSHARE_LOG',
  'GOVSHARE_TOKEN',
  'GOVSHARE_URL',
  'HOST',
  'PORT',
  'NODE_TEST_CONTEXT',
];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves when the output (stdout and stderr) matches; rejects if the process exits first or after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves at the exit; a guard (not a timing assertion) kills it with SIGKILL after guardMs. */
  exit(guardMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();
let hooked = false;

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED.includes(k)) childEnv[k] = v;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: REPO,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: string): void => {
    out += d;
    for (const w of waiters) w();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  return {
    child,
    pid: child.pid!,
    output: () => out,
    waitFor(re, timeoutMs = 180_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} within ${timeoutMs / 1000} s; output:\n${out}`));
        }, timeoutMs);
        const check = (): void => {
          const m = re.exec(out);
          if (m || child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            if (m) resolve(m);
            else reject(new Error(`exited (${child.signalCode ?? child.exitCode}) before ${re}; output:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async exit(guardMs = 120_000) {
      const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
      try {
        return await exited;
      } finally {
        clearTimeout(guard);
      }
    },
  };
}

/** The storage flags for an engine: the data directory, plus a fresh schema on TEST_DATABASE_URL for PostgreSQL. */
export function storageArgs(
  engine: Engine,
  dataDir: string,
): { args: string[]; databaseUrl?: string; schema?: string; drop(): Promise<void> } {
  if (engine === 'pglite') return { args: ['--data-dir', dataDir], drop: async () => undefined };
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `s_${randomBytes(6).toString('hex')}`;
  return {
    args: ['--data-dir', dataDir, '--database-url', url, '--db-schema', schema],
    databaseUrl: url,
    schema,
    async drop() {
      const db = await openPostgres({ url, max: 1 });
      try {
        await db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await db.close();
      }
    },
  };
}
