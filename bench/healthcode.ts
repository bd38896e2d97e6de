// recompute_persons_per_s: the full recompute of a demo province (every resident: records → facts → rules →
// status written), against reading the same records chunk by chunk without computing (raw_scan_persons_per_s).
import type { Platform } from '../src/platform/platform.js';
import { buildDemo, type DemoSummary } from '../src/demo/build.js';
import { CHUNK_SUBJECTS } from '../src/healthcode/status/job.js';
import { currentRowsOfRange, subjectsAfter, SystemRead } from '../src/records/system.js';
import { loadSources } from '../src/healthcode/facts/sources.js';

export interface RecomputeFigures {
  persons: number;
  recompute: number;
  rawScan: number;
  colours: Record<string, number>;
  demoSeconds: number;
  /** The demo province built (its department tokens, for the HTTP figures). */
  demo: DemoSummary;
}

export async function benchRecompute(platform: Platform, persons: number, dir: string): Promise<RecomputeFigures> {
  const t0 = performance.now();
  const demo = await buildDemo(platform, { persons }, dir);
  const demoSeconds = (performance.now() - t0) / 1000;
  const recompute = demo.health.processed / (demo.health.recomputeMs / 1000);
  // The raw baseline: the same chunked reads of the same records, nothing computed or written.
  const datasets = [...new Set((await loadSources(platform.db, true)).map((s) => s.dataset))];
  const t1 = performance.now();
  let cursor = '';
  let n = 0;
  const run = new SystemRead(platform, 'healthcode.recompute', 'bench-raw-scan');
  for (;;) {
    const subjects = await subjectsAfter(run, platform.db, cursor, CHUNK_SUBJECTS);
    if (subjects.length === 0) break;
    const last = subjects[subjects.length - 1]!;
    await currentRowsOfRange(run, platform.db, cursor, last, datasets);
    n += subjects.length;
    cursor = last;
  }
  const rawScan = n / ((performance.now() - t1) / 1000);
  await run.audit({ kind: 'bench' });
  return { persons: demo.health.processed, recompute, rawScan, colours: demo.health.colours, demoSeconds, demo };
}
