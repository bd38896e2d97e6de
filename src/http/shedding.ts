import underPressure from '@fastify/under-pressure';
import type { FastifyRequest } from 'fastify';
import { unavailable } from '../core/problem.js';
import type { EdgeLimits } from './limits.js';
import type { App } from './types.js';

/** Routes that answer even under overload (liveness): they set `config: { shedExempt: true }`. */
const exempt = (req: FastifyRequest): boolean => req.routeOptions.config?.shedExempt === true;

/**
 * Load shedding, before anything else is done for a request: 503 with Retry-After and a problem body when the
 * process is overloaded: by the mean event-loop delay, the heap in use or the event-loop utilisation of the last
 * sample (@fastify/under-pressure) for longer than a grace period while requests queue, or by the number of
 * requests already in flight. Cheap to refuse, so a client that retries later finds a server that still answers; `/healthz` is
 * exempt and keeps answering.
 */
export async function registerLoadShedding(app: App, limits: EdgeLimits): Promise<void> {
  const overloaded = (why: string) =>
    unavailable(
      'overloaded',
      `The server is overloaded (${why}); try again in ${limits.retryAfterSeconds} s.`,
      limits.retryAfterSeconds,
    );
  // When pressure was first seen; cleared by the first request that finds none.
  let pressureSince: number | undefined;
  let inFlight = 0;
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapUsedBytes,
    maxEventLoopUtilization: limits.maxEventLoopUtilization,
    eventLoopUtilizationMode: 'interval',
    sampleInterval: limits.sampleIntervalMs,
    retryAfter: limits.retryAfterSeconds,
    pressureHandler: async (req, _reply, type) => {
      if (exempt(req)) return;
      // A slow event loop with few requests waiting is a long job (on the embedded engine every query runs on the
      // loop), not an overload: shedding would not help anyone.
      if (type !== 'heapUsedBytes' && type !== 'rssBytes' && inFlight < limits.pressureMinInFlight) return;
      const now = Date.now();
      pressureSince ??= now;
      if (now - pressureSince < limits.pressureGraceMs) return;
      throw overloaded(
        type === 'heapUsedBytes' ? 'memory' : type === 'eventLoopUtilization' ? 'busy' : 'event-loop delay',
      );
    },
  });

  app.addHook('onRequest', async () => {
    if (pressureSince !== undefined && !app.isUnderPressure()) pressureSince = undefined;
  });

  const counted = Symbol('inFlight');
  type Counted = FastifyRequest & { [counted]?: boolean };
  app.addHook('onRequest', async (req: Counted) => {
    if (exempt(req)) return;
    if (limits.maxInFlight > 0 && inFlight >= limits.maxInFlight) throw overloaded('too many requests in flight');
    inFlight += 1;
    req[counted] = true;
  });
  const release = async (req: Counted): Promise<void> => {
    if (req[counted]) {
      req[counted] = false;
      inFlight -= 1;
    }
  };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
}
