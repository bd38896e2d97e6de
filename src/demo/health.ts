// The demo province's health codes: the baseline rule set, risk areas (one medium area around Tianhe venues, one
// high-risk railway station, one already lifted), then a full recompute, so residents of every colour exist.
import { makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { systemPrincipal } from '../access/principal.js';
import { createJob, runJob } from '../healthcode/status/job.js';
import { seedBaselineRuleSet } from '../healthcode/rulesets/store.js';
import { subjectOf } from '../records/keys.js';
import { declareArea, liftArea } from '../riskareas/service.js';
import { personAt } from './people.js';

const DAY = 86_400_000;

export type Colour = 'green' | 'yellow' | 'red';

export interface DemoHealth {
  riskAreas: number;
  processed: number;
  /** How long the full recompute took. */
  recomputeMs: number;
  colours: Record<Colour, number>;
  /** A synthetic resident ID number of each colour (when the province has one), to try codes with. */
  samples: Partial<Record<Colour, string>>;
}

export async function buildDemoHealth(platform: Platform, seed: number, persons: number): Promise<DemoHealth> {
  const ctx = makeCtx(platform, systemPrincipal('demo'));
  await seedBaselineRuleSet(platform.db, platform.settings.region);
  const now = Date.now();
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  await declareArea(ctx, {
    division: '440106',
    level: 'medium',
    startsAt: at(5),
    name: { 'zh-CN': '天河区体育西路街道部分场所', en: 'Tianhe: venues around Tiyu West Road' },
    places: [
      'V4401060001',
      'V4401060002',
      'V4401060003',
      'V4401060004',
      'V4401060005',
      'V4401060006',
      'V4401060007',
      'V4401060008',
    ],
  });
  await declareArea(ctx, {
    division: '440402',
    level: 'high',
    startsAt: at(4),
    name: { 'zh-CN': '珠海站及周边', en: 'Zhuhai railway station and surroundings' },
    places: ['珠海站'],
  });
  const lifted = await declareArea(ctx, {
    division: '440106',
    level: 'low',
    startsAt: at(3),
    name: { 'zh-CN': '天河区石牌街道（已解除）', en: 'Tianhe: Shipai subdistrict (lifted)' },
    places: ['V4401060390'],
  });
  await liftArea(ctx, lifted.id, { reason: '风险排除 / risk ruled out' });

  const t0 = performance.now();
  const job = await runJob(platform, (await createJob(platform.db, 'system:demo')).id);
  const recomputeMs = performance.now() - t0;
  const counts = await platform.db.query<{ colour: Colour; n: number }>(
    'SELECT colour, count(*)::int AS n FROM health_status GROUP BY colour',
  );
  const colours: Record<Colour, number> = { green: 0, yellow: 0, red: 0 };
  for (const r of counts.rows) colours[r.colour] = r.n;

  const nonGreen = await platform.db.query<{ subject: string; colour: Colour }>(
    `SELECT subject, colour FROM health_status WHERE colour <> 'green'`,
  );
  const bySubject = new Map(nonGreen.rows.map((r) => [r.subject, r.colour]));
  const samples: Partial<Record<Colour, string>> = {};
  for (let i = 0; i < persons && (!samples.green || !samples.yellow || !samples.red); i++) {
    const id = personAt(seed, i).citizenId;
    const colour = bySubject.get(subjectOf(platform.ring, id)) ?? 'green';
    samples[colour] ??= id;
  }
  return { riskAreas: 3, processed: job.processed, recomputeMs, colours, samples };
}
