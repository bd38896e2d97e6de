import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { systemPrincipal } from '../access/principal.js';
import { insertToken } from '../auth/tokens.js';
import { createDataset } from '../catalog/service.js';
import type { Config } from '../config.js';
import { openPlatform } from '../node/platform.js';
import type { Db } from '../db/types.js';
import { insertDepartment } from '../departments/service.js';
import { ingest } from '../ingest/pipeline.js';
import { putProfile } from '../ingest/profiles.js';
import { seedBaseline } from '../standard/registry.js';
import { DEMO_ADMIN, DEMO_DEPARTMENTS } from './departments.js';
import { DEMO_DATASETS, DEMO_PROFILES } from './datasets.js';
import { eventsOf, personAt, type Person, type PersonEvents } from './people.js';
import { between, rng } from './rng.js';
import { buildDemoHealth, type DemoHealth } from './health.js';
import { buildDemoSharing } from './sharing.js';
import { clearDemoBuilding, demoInterrupted, markDemoBuilding } from './marker.js';

export interface DemoOptions {
  persons: number;
  seed?: number;
  /** The day the demo's recent history ends (YYYY-MM-DD); default today. Same options, same province. */
  asOf?: string;
}

export interface DemoSummary {
  persons: number;
  departments: number;
  datasets: number;
  records: number;
  credentialsFile: string;
  tokens: Record<string, string>;
  adminDepartment: string;
  asOf: string;
  sharingRequests: number;
  sharedReads: number;
  sampleResidents: string[]; // synthetic ID numbers with an access history, for trying the citizen view
  health: DemoHealth;
}

const APP_TABLES = [
  'code_scans',
  'appeals',
  'hc_jobs',
  'hc_watermarks',
  'hc_dirty',
  'health_status_history',
  'health_status',
  'risk_areas',
  'corrections',
  'share_events',
  'share_requests',
  'audit_subjects',
  'audit_nodes',
  'audit_entries',
  'audit_tree_heads',
  'records',
  'ingest_rejects',
  'ingest_batches',
  'mapping_profiles',
  'dataset_versions',
  'datasets',
  'api_tokens',
  'departments',
];

export async function isEmpty(db: Db): Promise<boolean> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM departments')).rows[0]?.n === 0;
}

/** Removes every department, dataset and record (the data standard stays). */
export async function resetData(db: Db): Promise<void> {
  await db.exec(`TRUNCATE ${APP_TABLES.join(', ')} CASCADE`);
}

type Row = Record<string, unknown>;
type RowsOf = (p: Person, e: PersonEvents) => Row[];

const DATASET_ROWS: Record<string, RowsOf> = {
  residents: (p) => [
    {
      citizen_id: p.citizenId,
      person_name: p.name,
      sex: p.sex,
      birth_date: p.birthDate,
      phone: p.phone,
      division_code: p.division.code,
      address: p.address,
    },
  ],
  'nucleic-acid-results': (p, e) =>
    e.tests.map((t) => ({
      citizen_id: p.citizenId,
      person_name: p.name,
      sample_time: t.sampleTime,
      result: t.result,
      lab_code: t.lab,
      division_code: p.division.code,
    })),
  'antigen-results': (p, e) => e.antigen.map((t) => ({ citizen_id: p.citizenId, test_time: t.time, result: t.result })),
  vaccinations: (p, e) =>
    e.doses.map((d) => ({ citizen_id: p.citizenId, product: d.product, dose: d.dose, vaccination_date: d.date })),
  'travel-itineraries': (p, e) =>
    e.trips.map((t) => ({
      citizen_id: p.citizenId,
      mode: t.mode,
      trip_number: t.trip,
      station: t.station,
      departure_time: t.departure,
      arrival_time: t.arrival,
    })),
  'inbound-travellers': (p, e) =>
    e.inbound
      ? [
          {
            citizen_id: p.citizenId,
            person_name: p.name,
            trip_number: e.inbound.trip,
            arrival_time: e.inbound.arrival,
            quarantine_start: e.inbound.quarantineStart,
            quarantine_end: e.inbound.quarantineEnd,
          },
        ]
      : [],
  // The Tianhe community grid records its own residents' venue scans and declarations.
  'venue-scans': (p, e) =>
    p.division.code === '440106'
      ? e.scans.map((s) => ({ citizen_id: p.citizenId, venue_code: s.venue, scan_time: s.time }))
      : [],
  'symptom-declarations': (p, e) =>
    p.division.code === '440106'
      ? e.declarations.map((d) => ({
          citizen_id: p.citizenId,
          declaration_time: d.time,
          temperature: d.temperature,
          symptoms: d.symptoms,
        }))
      : [],
};

const caseId = (p: Person) => `GD${p.index.toString(36).toUpperCase().padStart(8, '0')}`;

/** Cases and their contacts: every positive resident is a case; tracing finds close and secondary contacts. */
function* caseRows(
  seed: number,
  persons: number,
  asOf: number,
  dataset: 'case-reports' | 'close-contacts',
): Generator<Row> {
  for (let i = 0; i < persons; i++) {
    const p = personAt(seed, i);
    const e = eventsOf(seed, p, asOf);
    if (!e.positive) continue;
    const positiveTest = e.tests.find((t) => t.result === 'positive')!;
    const reported = new Date(positiveTest.sampleTime).getTime() + 6 * 3_600_000;
    if (dataset === 'case-reports') {
      const r = rng(seed + i * 31);
      yield {
        case_id: caseId(p),
        citizen_id: p.citizenId,
        person_name: p.name,
        diagnosis: r() < 0.6 ? 'confirmed' : 'asymptomatic',
        onset_date: new Date(reported - 86_400_000).toISOString().slice(0, 10),
        report_time: new Date(reported).toISOString(),
        division_code: p.division.code,
      };
      continue;
    }
    const r = rng(seed + i * 17);
    const exposure = new Date(reported - 2 * 86_400_000).toISOString().slice(0, 10);
    const qStart = new Date(reported).toISOString().slice(0, 10);
    const qEnd = new Date(reported + 7 * 86_400_000).toISOString().slice(0, 10);
    const n = Math.min(persons - 1, between(r, 3, 8));
    const seen = new Set<number>([i]);
    for (let k = 0; k < n; k++) {
      const j = between(r, 0, persons - 1);
      if (seen.has(j)) continue;
      seen.add(j);
      const type = k < Math.ceil(n * 0.7) ? 'close' : 'secondary';
      yield {
        case_id: caseId(p),
        citizen_id: personAt(seed, j).citizenId,
        contact_type: type,
        exposure_date: exposure,
        ...(type === 'close' ? { quarantine_start: qStart, quarantine_end: qEnd } : {}),
      };
    }
  }
}

function* personRows(seed: number, persons: number, asOf: number, rowsOf: RowsOf): Generator<Row> {
  for (let i = 0; i < persons; i++) {
    const p = personAt(seed, i);
    yield* rowsOf(p, eventsOf(seed, p, asOf));
  }
}

/** Builds the deterministic synthetic province into an empty database, through the real catalog and ingest paths. */
export async function buildDemo(platform: Platform, opts: DemoOptions, credentialsDir: string): Promise<DemoSummary> {
  const db = platform.db;
  const seed = opts.seed ?? 2022;
  const asOfDay = opts.asOf ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfDay) || Number.isNaN(Date.parse(asOfDay)))
    throw new Error(`--as-of must be a date YYYY-MM-DD (got ${asOfDay})`);
  const asOf = Date.parse(`${asOfDay}T12:00:00+08:00`);
  const ctx = makeCtx(platform, systemPrincipal('demo'));
  await seedBaseline(db);
  const tokens: Record<string, string> = {};
  for (const d of DEMO_DEPARTMENTS) {
    await insertDepartment(db, d);
    tokens[d.id] = (await insertToken(db, d.id, 'demo', 'system:demo')).token;
  }
  for (const ds of DEMO_DATASETS) await createDataset(ctx, ds);
  for (const p of DEMO_PROFILES) await putProfile(ctx, p.dataset, p.name, p.spec);
  let records = 0;
  for (const ds of DEMO_DATASETS) {
    const rows =
      ds.id === 'case-reports' || ds.id === 'close-contacts'
        ? caseRows(seed, opts.persons, asOf, ds.id)
        : personRows(seed, opts.persons, asOf, DATASET_ROWS[ds.id]!);
    const receipt = await ingest(ctx, ds.id, { format: 'json', records: rows });
    if (receipt.rowsRejected > 0)
      throw new Error(`demo data for ${ds.id} was rejected: ${JSON.stringify(receipt.rejected.slice(0, 3))}`);
    records += receipt.inserted;
  }
  // Fresh statistics after the bulk load, so the planner walks indexes instead of guessing from an empty table.
  await db.exec('ANALYZE');
  const sharing = await buildDemoSharing(platform, seed, opts.persons, asOf);
  const health = await buildDemoHealth(platform, seed, opts.persons);
  mkdirSync(credentialsDir, { recursive: true });
  const credentialsFile = join(credentialsDir, 'demo-credentials.json');
  // The tokens are secrets: written to a new file created 0600 (never an older, wider one), then moved into place.
  const tmp = `${credentialsFile}.${process.pid}.tmp`;
  rmSync(tmp, { force: true }); // left by a crash
  writeFileSync(
    tmp,
    JSON.stringify(
      {
        adminDepartment: DEMO_ADMIN,
        asOf: asOfDay,
        seed,
        persons: opts.persons,
        tokens,
        sampleResidents: sharing.sampleResidents,
        healthSamples: health.samples,
      },
      null,
      2,
    ) + '\n',
    { mode: 0o600, flag: 'wx' },
  );
  renameSync(tmp, credentialsFile);
  return {
    persons: opts.persons,
    departments: DEMO_DEPARTMENTS.length,
    datasets: DEMO_DATASETS.length,
    records,
    credentialsFile,
    tokens,
    adminDepartment: DEMO_ADMIN,
    asOf: asOfDay,
    sharingRequests: sharing.requests,
    sharedReads: sharing.reads,
    sampleResidents: sharing.sampleResidents,
    health,
  };
}

/** `govshare demo`: opens the configured database and builds the demo province (refuses a non-empty one unless reset). */
export async function runDemo(opts: {
  config: Config;
  seed?: number | undefined;
  asOf?: string | undefined;
  reset?: boolean | undefined;
}): Promise<DemoSummary> {
  const platform = await openPlatform(opts.config);
  try {
    // A build cut short (demo/marker.ts) left a partial province of its own: it is replaced without --reset.
    if (!(await isEmpty(platform.db)) || demoInterrupted(opts.config.dataDir)) {
      if (!opts.reset && !demoInterrupted(opts.config.dataDir))
        throw new Error(
          'The database already holds departments; pass --reset to replace everything with the demo province.',
        );
      await resetData(platform.db);
    }
    markDemoBuilding(opts.config.dataDir);
    const summary = await buildDemo(
      platform,
      {
        persons: opts.config.demoPersons,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.asOf ? { asOf: opts.asOf } : {}),
      },
      opts.config.dataDir,
    );
    clearDemoBuilding(opts.config.dataDir);
    return summary;
  } finally {
    await platform.close();
  }
}
