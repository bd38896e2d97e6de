// status_check_rps: online health-code checks (POST /api/v1/checks: verify against the trust list, current
// status lookup, scan recorded, audited) over HTTP on loopback, against a trivial route (GET /healthz, no
// database) on the same server in the same run (hello_rps). Load is generated in this process with node:http
// and keep-alive connections, the same generator for both routes.
import { Agent, request } from 'node:http';
import type { Platform } from '../src/platform/platform.js';
import type { DemoSummary } from '../src/demo/build.js';
import { issueCodeFor } from '../src/healthcode/codes/issue.js';
import { buildServer } from '../src/http/server.js';

export interface StatusFigures {
  /** Mean of the two hello runs (before and after the checks). */
  hello: number;
  helloRuns: [number, number];
  checks: number;
  codes: number;
  requests: number;
  concurrency: number;
}

interface Target {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string | number>;
  /** The body of request i (undefined: none). */
  body?: (i: number) => Buffer;
  /** A problem with the answer, or undefined when it is as expected. */
  check: (status: number, body: string) => string | undefined;
}

interface RunResult {
  rps: number;
  failures: number;
  firstFailure: string | undefined;
}

function once(agent: Agent, port: number, t: Target, i: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = t.body?.(i);
    const headers = body ? { ...t.headers, 'content-length': body.length } : t.headers;
    const req = request({ agent, host: '127.0.0.1', port, method: t.method, path: t.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `total` requests with `concurrency` in flight over keep-alive connections; every answer checked. */
async function drive(
  agent: Agent,
  port: number,
  t: Target,
  total: number,
  concurrency: number,
  offset = 0,
): Promise<RunResult> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const r = await once(agent, port, t, offset + i);
        const problem = t.check(r.status, r.body);
        if (problem !== undefined) {
          failures += 1;
          firstFailure ??= `${t.method} ${t.path} #${i}: ${problem}`;
        }
      }
    }),
  );
  return { rps: total / (Number(process.hrtime.bigint() - t0) / 1e9), failures, firstFailure };
}

function parsed(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Issues codes for up to `n` residents with a stored status, in-process (as the app would hand them out). */
async function issueCodes(platform: Platform, n: number): Promise<Buffer[]> {
  const subjects = (
    await platform.db.query<{ subject: string }>(`SELECT subject FROM health_status LIMIT ${n}`)
  ).rows.map((r) => r.subject);
  if (subjects.length === 0) throw new Error('no health statuses to issue codes for');
  const bodies: Buffer[] = new Array(subjects.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < subjects.length) {
        const i = next++;
        const issued = await issueCodeFor(platform, subjects[i]!);
        bodies[i] = Buffer.from(JSON.stringify({ code: issued.code, venue: `bench-venue-${i % 50}` }));
      }
    }),
  );
  return bodies;
}

/**
 * Runs hello (GET /healthz), then checks, then hello again, each after a warm-up. The checkpoint is one of the
 * demo's departments (not the administrator), checking with its bearer token.
 */
export async function benchStatusChecks(
  platform: Platform,
  demo: Pick<DemoSummary, 'tokens' | 'adminDepartment'>,
): Promise<StatusFigures> {
  const checkpointToken = Object.entries(demo.tokens).find(([dept]) => dept !== demo.adminDepartment)?.[1];
  if (!checkpointToken) throw new Error('the demo has no department token for a checkpoint');
  const total = Number(process.env.BENCH_CHECKS ?? 20_000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
  const warm = Math.min(1000, total);
  const app = await buildServer({ platform });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;

    const hello: Target = {
      method: 'GET',
      path: '/healthz',
      headers: {},
      check: (status, body) => (status === 200 && parsed(body)?.['status'] === 'ok' ? undefined : `${status} ${body}`),
    };
    // `warm` requests first, then (when measuring) `total` timed ones; any failed answer stops the bench.
    const run = async (t: Target, measure = true): Promise<RunResult> => {
      const results = [await drive(agent, port, t, warm, concurrency)];
      if (measure) results.push(await drive(agent, port, t, total, concurrency, warm));
      const failures = results.reduce((n, r) => n + r.failures, 0);
      if (failures > 0) {
        const sent = results.length === 1 ? warm : warm + total;
        throw new Error(
          `${failures} of ${sent} requests to ${t.method} ${t.path} failed; first: ${results.find((r) => r.firstFailure)?.firstFailure}`,
        );
      }
      return results[results.length - 1]!;
    };

    // Codes live codeTtlSeconds (300 s): issued right before they are checked.
    const codes = await issueCodes(platform, 2000);
    const checks: Target = {
      method: 'POST',
      path: '/api/v1/checks',
      headers: { authorization: `Bearer ${checkpointToken}`, 'content-type': 'application/json' },
      body: (i) => codes[i % codes.length]!,
      check: (status, body) => (status === 200 && parsed(body)?.['valid'] === true ? undefined : `${status} ${body}`),
    };
    // Both routes (and this generator) warmed once before anything is measured, so the first hello run does not
    // pay for the JIT alone; each run has its own warm-up on top.
    await run(hello, false);
    await run(checks, false);
    const hello1 = await run(hello);
    const checked = await run(checks);
    const hello2 = await run(hello);
    return {
      hello: (hello1.rps + hello2.rps) / 2,
      helloRuns: [hello1.rps, hello2.rps],
      checks: checked.rps,
      codes: codes.length,
      requests: total,
      concurrency,
    };
  } finally {
    agent.destroy();
    await app.close();
  }
}
