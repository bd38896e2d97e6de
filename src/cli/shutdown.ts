// The start command's signals. From the moment the command runs, SIGTERM and SIGINT stop the node in order: before
// it listens, start-up is aborted at its next step and everything closes; once it listens, it stops accepting and
// drains in-flight requests and workers for up to the bound, then closes the database. Exit 0 when it all finished
// in time; 1 when the bound cut it short; a second signal forces the exit at once (128 + the signal's number).
// Whatever happens, the process exits by the bound plus a short grace, and the data directory's lock goes with it.
import { constants } from 'node:os';
import { UsageError } from './errors.js';

export const DEFAULT_SHUTDOWN_SECONDS = 25;
/** Past the bound, how long closing the database may still take before the process exits regardless. */
const LAST_RESORT_GRACE_MS = 5_000;

/** --shutdown-seconds, else GOVSHARE_SHUTDOWN_SECONDS, else 25; 0 means stop without waiting for anything. */
export function shutdownSecondsOf(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const [v, name] =
    flag !== undefined ? [flag, '--shutdown-seconds'] : [env.GOVSHARE_SHUTDOWN_SECONDS, 'GOVSHARE_SHUTDOWN_SECONDS'];
  if (v === undefined || v === '') return DEFAULT_SHUTDOWN_SECONDS;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > 3600)
    throw new UsageError(`${name} must be a whole number of seconds from 0 to 3600 (got ${v})`);
  return n;
}

export interface SignalGuard {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** Resolves with the first signal. */
  readonly first: Promise<NodeJS.Signals>;
  /** Removes the handlers (after a stop that finished; the last-resort exit stays armed after a forced one). */
  dispose(opts?: { keepLastResort?: boolean }): void;
}

export interface GuardOptions {
  boundMs: number;
  err: (text: string) => void;
  exit?: (code: number) => void;
}

/** Takes SIGTERM and SIGINT over for the start command (see the top of this file). */
export function guardSignals(opts: GuardOptions): SignalGuard {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let resolveFirst!: (sig: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((r) => (resolveFirst = r));
  let lastResort: NodeJS.Timeout | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      controller.abort(new Error(`stopped by ${sig}`));
      lastResort = setTimeout(() => {
        opts.err(`govshare: still not stopped ${opts.boundMs / 1000} s after ${sig}; exiting now\n`);
        exit(1);
      }, opts.boundMs + LAST_RESORT_GRACE_MS);
      lastResort.unref();
      resolveFirst(sig);
      return;
    }
    opts.err(`govshare: second ${sig}, exiting now without waiting\n`);
    exit(128 + (constants.signals[sig] ?? 15));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    first,
    dispose({ keepLastResort = false } = {}) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (lastResort && !keepLastResort) clearTimeout(lastResort);
    },
  };
}
