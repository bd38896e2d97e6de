// Health-code test data: the demo's health datasets under fresh ids, owned by fresh departments, and helpers to
// put a person's tests, cases, contacts, scans and declarations into them through the real ingest path.
import { makeCtx } from '../access/context.js';
import type { Platform } from '../platform/platform.js';
import { systemPrincipal } from '../access/principal.js';
import { createDataset } from '../catalog/service.js';
import { DEMO_DATASETS } from '../demo/datasets.js';
import { ingest } from '../ingest/pipeline.js';
import { subjectOf } from '../records/keys.js';
import { generateCitizenId } from '../standard/index.js';
import { makeDepartment } from './server.js';

const HEALTH = [
  'nucleic-acid-results',
  'antigen-results',
  'case-reports',
  'close-contacts',
  'inbound-travellers',
  'venue-scans',
  'symptom-declarations',
  'travel-itineraries',
] as const;
export type HealthDataset = (typeof HEALTH)[number];

let seq = 0;

export interface HealthFixture {
  ids: Record<HealthDataset, string>;
  owner: { id: string; token: string };
  put(dataset: HealthDataset, rows: Record<string, unknown>[]): Promise<void>;
  subject(citizenId: string): string;
}

export async function healthFixture(platform: Platform): Promise<HealthFixture> {
  const ctx = makeCtx(platform, systemPrincipal('test'));
  const owner = await makeDepartment(platform.db);
  const tag = `${process.pid.toString(36)}${++seq}`;
  const ids = {} as Record<HealthDataset, string>;
  for (const name of HEALTH) {
    const def = DEMO_DATASETS.find((d) => d.id === name)!;
    ids[name] = `${name}-${tag}`;
    await createDataset(ctx, { ...def, id: ids[name], owner: owner.id });
  }
  return {
    ids,
    owner,
    async put(dataset, rows) {
      const r = await ingest(ctx, ids[dataset], { format: 'json', records: rows });
      if (r.rowsRejected > 0)
        throw new Error(`test data for ${dataset} rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`);
    },
    subject: (citizenId) => subjectOf(platform.ring, citizenId),
  };
}

let personSeq = 0;
/** A fresh valid citizen ID number. */
export const newCitizen = (): string =>
  generateCitizenId(
    '440106',
    new Date(Date.UTC(1950, 0, 1) + ++personSeq * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''),
    process.pid % 1000,
  );

const HOUR = 3_600_000;
/** An ISO time `hours` before now. */
export const hoursAgo = (hours: number, now = Date.now()): string => new Date(now - hours * HOUR).toISOString();
export const daysAgoDate = (days: number, now = Date.now()): string =>
  new Date(now - days * 24 * HOUR).toISOString().slice(0, 10);
