import { getHeapStatistics } from 'node:v8';

/** What the HTTP edge protects itself with: load shedding and the failed-authentication limit. */
export interface EdgeLimits {
  /** Shed load (503) when the mean event-loop delay of the last sample exceeds this many ms; 0 turns it off. */
  maxEventLoopDelayMs: number;
  /** Shed load when the V8 heap in use exceeds this many bytes; 0 turns it off. */
  maxHeapUsedBytes: number;
  /** Shed load when the event-loop utilisation of the last sample (0..1) exceeds this; 0 turns it off. */
  maxEventLoopUtilization: number;
  /** Shed load when this many requests are already being served; 0 turns it off. */
  maxInFlight: number;
  /** How often the event loop and heap are sampled (ms). */
  sampleIntervalMs: number;
  /**
   * How long pressure must last before requests are shed (ms): one long synchronous query (the embedded engine
   * runs on the event loop) makes one bad sample, not an overload.
   */
  pressureGraceMs: number;
  /** Event-loop delay or utilisation sheds only while at least this many requests are in flight. */
  pressureMinInFlight: number;
  /** Seconds a shed client is told to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Failed authentications one client address may make per minute before it gets 429. */
  authFailuresPerMinute: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
  return n;
}

/** The limits from the environment (README, Configuration), with defaults sized for one API process. */
export function edgeLimitsFrom(env: NodeJS.ProcessEnv = process.env): EdgeLimits {
  const heapDefault = Math.floor(getHeapStatistics().heap_size_limit * 0.9);
  return {
    maxEventLoopDelayMs: num(env, 'GOVSHARE_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000),
    maxHeapUsedBytes: num(env, 'GOVSHARE_MAX_HEAP_BYTES', heapDefault, 0, Number.MAX_SAFE_INTEGER),
    maxEventLoopUtilization: num(env, 'GOVSHARE_MAX_EVENT_LOOP_UTILIZATION', 0, 0, 1),
    maxInFlight: Math.floor(num(env, 'GOVSHARE_MAX_IN_FLIGHT', 256, 0, 1_000_000)),
    sampleIntervalMs: Math.floor(num(env, 'GOVSHARE_PRESSURE_SAMPLE_MS', 1000, 10, 60_000)),
    pressureGraceMs: Math.floor(num(env, 'GOVSHARE_PRESSURE_GRACE_MS', 2000, 0, 600_000)),
    pressureMinInFlight: Math.floor(num(env, 'GOVSHARE_PRESSURE_MIN_IN_FLIGHT', 16, 0, 1_000_000)),
    retryAfterSeconds: Math.floor(num(env, 'GOVSHARE_RETRY_AFTER_SECONDS', 5, 1, 3600)),
    authFailuresPerMinute: Math.floor(num(env, 'GOVSHARE_AUTH_FAILURES_PER_MINUTE', 20, 1, 1_000_000)),
  };
}
