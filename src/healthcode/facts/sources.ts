// Which shared datasets feed which health-code facts. A dataset is a source by the data elements of its fields,
// not by its name: any department's dataset with, say, nat_result and nat_sample_time is a source of NAT tests.
import { searchCatalogInternal } from '../../catalog/service.js';
import type { Dataset } from '../../catalog/schema.js';
import type { Queryable } from '../../db/types.js';

export type SourceKind = 'nat' | 'antigen' | 'cases' | 'contacts' | 'quarantine' | 'symptoms' | 'scans' | 'arrivals';

/** A source dataset and the names of its fields that hold each element the facts need. */
export interface Source {
  kind: SourceKind;
  dataset: string;
  owner: string;
  /** element code → field name */
  fields: Record<string, string>;
}

/** For each kind: the elements a dataset must have, and the optional ones read when present. */
const KINDS: { kind: SourceKind; required: string[]; optional?: string[]; unless?: string }[] = [
  { kind: 'nat', required: ['citizen_id', 'nat_result', 'nat_sample_time'] },
  { kind: 'antigen', required: ['citizen_id', 'antigen_result', 'antigen_test_time'] },
  { kind: 'cases', required: ['citizen_id', 'diagnosis', 'report_time'] },
  { kind: 'contacts', required: ['citizen_id', 'contact_type', 'exposure_date'], optional: ['quarantine_end'] },
  // Quarantine orders other than a contact's (whose quarantine is part of the contact record): inbound travel.
  { kind: 'quarantine', required: ['citizen_id', 'quarantine_start', 'quarantine_end'], unless: 'contact_type' },
  { kind: 'symptoms', required: ['citizen_id', 'declaration_time', 'symptoms'], optional: ['body_temperature'] },
  { kind: 'scans', required: ['citizen_id', 'venue_code', 'scan_time'] },
  { kind: 'arrivals', required: ['citizen_id', 'station', 'arrival_time'] },
];

export function sourcesOf(datasets: readonly Dataset[]): Source[] {
  const out: Source[] = [];
  for (const ds of datasets) {
    const byElement = new Map<string, string>();
    for (const f of ds.fields) if (!byElement.has(f.element)) byElement.set(f.element, f.name);
    for (const k of KINDS) {
      if (!k.required.every((e) => byElement.has(e)) || (k.unless && byElement.has(k.unless))) continue;
      const fields: Record<string, string> = {};
      for (const e of [...k.required, ...(k.optional ?? [])]) {
        const name = byElement.get(e);
        if (name) fields[e] = name;
      }
      out.push({ kind: k.kind, dataset: ds.id, owner: ds.owner, fields });
    }
  }
  return out;
}

const cache = new WeakMap<Queryable, { at: number; sources: Source[] }>();
const TTL_MS = 5_000;

/** The sources in the catalog now (cached a few seconds per database). */
export async function loadSources(q: Queryable, fresh = false): Promise<Source[]> {
  const hit = cache.get(q);
  if (!fresh && hit && Date.now() - hit.at < TTL_MS) return hit.sources;
  const sources = sourcesOf(await searchCatalogInternal(q));
  cache.set(q, { at: Date.now(), sources });
  return sources;
}
