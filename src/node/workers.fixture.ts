// Run by workers.test.ts as its own process: starts every worker on a fresh PGlite test platform with short
// intervals, waits until each has run a step, stops them and closes the platform, then prints what timers are left.
// The process must then exit by itself: a timer left running would keep it alive.
import { openTestPlatform } from '../testing/db.js';
import { startWorkers, type WorkerName } from './workers.js';

const names: WorkerName[] = [
  'tree-heads',
  'recompute',
  'risk-areas',
  'retention',
  'federation',
  'answer-refresh',
  'code-keys',
];
const platform = await openTestPlatform('pglite');
const workers = await startWorkers(platform, { everyMs: Object.fromEntries(names.map((n) => [n, 5])) });
for (let i = 0; i < 2000 && !names.every((n) => workers.runs()[n] >= 2); i++)
  await new Promise((r) => setTimeout(r, 10));
const runs = workers.runs();
await workers.stop();
await platform.close();
process.stdout.write(
  `${JSON.stringify({ runs, timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout') })}\n`,
);
