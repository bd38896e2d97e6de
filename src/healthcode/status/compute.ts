// Computing statuses for a set of people: their records → facts → the rule set in force → colour with reasons,
// then only what changed is written (with a history entry).
import type { Platform } from '../../platform/platform.js';
import { blindIndex } from '../../crypto/fields.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Queryable } from '../../db/types.js';
import { areasSince, placeIndex, type AreaSpan } from '../facts/areas.js';
import { buildFacts, type EvidenceRef, type Facts, type RecordRow } from '../facts/build.js';
import { loadSources, type Source } from '../facts/sources.js';
import { evaluateRuleSet, type RuleSet } from '../rules/index.js';
import { ruleSetInForce, seedBaselineRuleSet } from '../rulesets/store.js';
import { currentRowsOfSubjects, SystemRead } from '../../records/system.js';
import { overrides, statusRows, touch, writeChanged } from './store.js';
import type { PersonStatus, StatusReason } from './types.js';

/** The rules count nothing older than this (the longest look-back of the baseline is 14 days + quarantine). */
const LOOKBACK_DAYS = 45;
const EVIDENCE_PER_LIST = 5;

/** Everything a computation needs besides the people: rule set, sources and risk areas, as of `now`. */
export interface ComputeEnv {
  now: Date;
  ruleSet: RuleSet;
  sources: Map<string, Source[]>;
  datasets: string[];
  places: Map<string, AreaSpan[]>;
}

export class NoRuleSetError extends Error {}

export async function computeEnv(platform: Platform, now = new Date()): Promise<ComputeEnv> {
  const q = platform.db;
  let ruleSet = await ruleSetInForce(q, platform.settings.region, now);
  if (!ruleSet) {
    await seedBaselineRuleSet(q, platform.settings.region);
    ruleSet = await ruleSetInForce(q, platform.settings.region, now);
  }
  if (!ruleSet)
    throw new NoRuleSetError(
      `no health-code rule set is in force for region ${platform.settings.region} at ${now.toISOString()}`,
    );
  const sources = new Map<string, Source[]>();
  for (const s of [...(await loadSources(q)), ...FEDERATED_SOURCES])
    sources.set(s.dataset, [...(sources.get(s.dataset) ?? []), s]);
  const areas = await areasSince(q, new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000));
  return { now, ruleSet, sources, datasets: [...sources.keys()], places: placeIndex(areas) };
}

/** The pseudonymous subject id in a person's codes: keyed, so it links to nothing outside this node's status store. */
export const codeSubOf = (ring: Keyring, subject: string): string => blindIndex(ring, subject, 'healthcode_sub');

/**
 * Cases and contacts received from other regions (fed_facts, docs/federation.md) read like records of two
 * pseudo-datasets (records/system.ts reads them with the records); their key is `<sending region>/<message id>`,
 * so a reason names the region that decided it.
 */
export const FEDERATED_SOURCES: Source[] = [
  {
    kind: 'cases',
    dataset: 'federation:case',
    owner: 'federation',
    fields: { citizen_id: 'citizen_id', diagnosis: 'diagnosis', report_time: 'report_time' },
  },
  {
    kind: 'contacts',
    dataset: 'federation:contact',
    owner: 'federation',
    fields: {
      citizen_id: 'citizen_id',
      contact_type: 'contact_type',
      exposure_date: 'exposure_date',
      quarantine_end: 'quarantine_end',
    },
  },
];
/**
 * The current records of these people in the source datasets (and what other regions sent about them), read in
 * system mode through the records door and audited as one `records.read` entry of the recompute job.
 */
export async function rowsOfSubjects(
  platform: Platform,
  subjects: readonly string[],
  datasets: readonly string[],
  cause?: string,
): Promise<RecordRow[]> {
  const run = new SystemRead(platform, 'healthcode.recompute');
  const rows = await currentRowsOfSubjects(run, subjects, datasets);
  await run.audit({ kind: 'subjects', ...(cause ? { cause } : {}) });
  return rows;
}

const timeOf: Record<string, (f: Record<string, unknown>) => string> = {
  tests: (f) => String(f['time']),
  cases: (f) => String(f['reportTime']),
  contacts: (f) => String(f['exposureDate']),
  quarantine: (f) => String(f['start']),
  visits: (f) => String(f['time']),
  symptoms: (f) => String(f['time']),
};

function evidenceOf(facts: Facts, lists: readonly string[] | undefined): EvidenceRef[] {
  const out: EvidenceRef[] = [];
  for (const list of lists ?? []) {
    const items = (facts as unknown as Record<string, { ref: EvidenceRef }[] | undefined>)[list];
    if (!items || items.length === 0) continue;
    const time = timeOf[list] ?? (() => '');
    const newest = [...items].sort((a, b) =>
      time(b as unknown as Record<string, unknown>) < time(a as unknown as Record<string, unknown>) ? -1 : 1,
    );
    for (const it of newest.slice(0, EVIDENCE_PER_LIST)) out.push(it.ref);
  }
  return out;
}

const sameEvidence = (a: readonly EvidenceRef[], b: readonly EvidenceRef[]): boolean =>
  a.length === b.length && a.every((e, i) => e.dataset === b[i]!.dataset && e.key === b[i]!.key);
const sameReasons = (a: readonly StatusReason[], b: readonly StatusReason[]): boolean =>
  a.length === b.length && a.every((r, i) => r.rule === b[i]!.rule && sameEvidence(r.evidence, b[i]!.evidence));

export interface Evaluated {
  changed: PersonStatus[];
  unchanged: string[];
  statuses: Map<string, PersonStatus>;
}

export interface ChunkResult {
  processed: number;
  changed: number;
  statuses: Map<string, PersonStatus>;
}

/** Evaluates the rule set for each person (CPU only): what changed against their previous status. */
export function evaluateChunk(
  platform: Platform,
  env: ComputeEnv,
  subjects: readonly string[],
  rows: readonly RecordRow[],
  previous: ReadonlyMap<string, PersonStatus>,
  overridden: ReadonlyMap<string, { appeal: string; colour: PersonStatus['colour'] }>,
): Evaluated {
  const nowIso = env.now.toISOString();
  const factsBySubject = buildFacts(subjects, rows, env.sources, platform.ring, env.places, nowIso);
  const rs = env.ruleSet;
  const changed: PersonStatus[] = [];
  const unchanged: string[] = [];
  const statuses = new Map<string, PersonStatus>();
  const evidence = new Map(rs.rules.map((r) => [r.id, r.evidence]));
  for (const [subject, facts] of factsBySubject) {
    const verdict = evaluateRuleSet(rs, facts);
    const reasons: StatusReason[] = verdict.reasons.map((r) => ({
      ...r,
      evidence: evidenceOf(facts, evidence.get(r.rule)),
    }));
    const ov = overridden.get(subject);
    const prev = previous.get(subject);
    const colour = ov ? ov.colour : verdict.colour;
    const same =
      prev !== undefined &&
      prev.colour === colour &&
      prev.computedColour === verdict.colour &&
      prev.overrideAppeal === (ov?.appeal ?? null) &&
      prev.ruleSet === rs.id &&
      prev.ruleVersion === rs.version &&
      sameReasons(prev.reasons, reasons);
    if (same) {
      unchanged.push(subject);
      statuses.set(subject, { ...prev, computedAt: nowIso });
      continue;
    }
    const status: PersonStatus = {
      subject,
      codeSub: prev?.codeSub ?? codeSubOf(platform.ring, subject),
      colour,
      computedColour: verdict.colour,
      reasons,
      ruleSet: rs.id,
      ruleVersion: rs.version,
      overrideAppeal: ov?.appeal ?? null,
      since: nowIso,
      computedAt: nowIso,
    };
    changed.push(status);
    statuses.set(subject, status);
  }
  return { changed, unchanged, statuses };
}

/** The previous statuses and running overrides of these people. */
export async function priorOf(q: Queryable, subjects: readonly string[], now: Date) {
  const [previous, overridden] = await Promise.all([
    statusRows(q, subjects),
    overrides(q, subjects, now.toISOString()),
  ]);
  return { previous, overridden };
}

/** Computes and stores the statuses of `subjects` from their `rows` (already loaded), in one transaction. */
export async function computeChunk(
  platform: Platform,
  env: ComputeEnv,
  subjects: readonly string[],
  rows: readonly RecordRow[],
  cause: string,
): Promise<ChunkResult> {
  return platform.db.transaction(async (q) => {
    const { previous, overridden } = await priorOf(q, subjects, env.now);
    const e = evaluateChunk(platform, env, subjects, rows, previous, overridden);
    await writeChanged(q, e.changed, previous, cause);
    await touch(q, e.unchanged, env.now.toISOString());
    return { processed: e.statuses.size, changed: e.changed.length, statuses: e.statuses };
  });
}
