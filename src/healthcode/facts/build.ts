// Turning a person's current records into the facts the rules read, each fact remembering its record.
import type { Keyring } from '../../crypto/keyring.js';
import { openRecord } from '../../records/sealed.js';
import type { PersonFacts } from '../rules/index.js';
import type { AreaSpan } from './areas.js';
import type { Source } from './sources.js';

/** Which record a fact came from (shown with the reasons). */
export interface EvidenceRef {
  dataset: string;
  key: string;
}

/** A fact plus its record; the rules ignore `ref`. */
export type WithRef<T> = T & { ref: EvidenceRef };

export interface RecordRow {
  dataset_id: string;
  record_key: string;
  subject: string;
  data: Record<string, unknown>;
}

type FactsOf<K extends keyof PersonFacts> = PersonFacts[K] extends (infer E)[] ? WithRef<E>[] : never;

export interface Facts extends PersonFacts {
  tests: FactsOf<'tests'>;
  cases: FactsOf<'cases'>;
  contacts: FactsOf<'contacts'>;
  quarantine: FactsOf<'quarantine'>;
  visits: FactsOf<'visits'>;
  symptoms: FactsOf<'symptoms'>;
}

export const emptyFacts = (now: string): Facts => ({
  now,
  tests: [],
  cases: [],
  contacts: [],
  quarantine: [],
  visits: [],
  symptoms: [],
});

/** A body temperature from this value up is a fever (the national protocol's 37.3 °C). */
export const FEVER_CELSIUS = 37.3;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function visitsAt(
  place: string,
  time: string,
  index: ReadonlyMap<string, AreaSpan[]>,
  ref: EvidenceRef,
  out: Facts['visits'],
): void {
  const areas = index.get(place);
  if (!areas) return;
  const t = Date.parse(time);
  for (const a of areas) {
    if (t >= a.from && t < a.to && a.level !== 'low') out.push({ level: a.level, area: a.id, time, ref });
  }
}

/** Adds one record's facts to the person's. Records missing a required value are skipped (they cannot decide anything). */
export function addRecord(
  facts: Facts,
  source: Source,
  row: RecordRow,
  ring: Keyring,
  places: ReadonlyMap<string, AreaSpan[]>,
): void {
  const data = openRecord(ring, row.dataset_id, row.data);
  const f = source.fields;
  const get = (element: string): unknown => (f[element] === undefined ? undefined : data[f[element]]);
  const ref: EvidenceRef = { dataset: row.dataset_id, key: row.record_key };
  switch (source.kind) {
    case 'nat':
    case 'antigen': {
      const result = str(get(source.kind === 'nat' ? 'nat_result' : 'antigen_result'));
      const time = str(get(source.kind === 'nat' ? 'nat_sample_time' : 'antigen_test_time'));
      if (time && (result === 'positive' || result === 'negative' || result === 'invalid'))
        facts.tests.push({ kind: source.kind, time, result, ref });
      return;
    }
    case 'cases': {
      const diagnosis = str(get('diagnosis'));
      const reportTime = str(get('report_time'));
      if (
        reportTime &&
        (diagnosis === 'confirmed' ||
          diagnosis === 'asymptomatic' ||
          diagnosis === 'suspected' ||
          diagnosis === 'excluded')
      ) {
        facts.cases.push({ diagnosis, reportTime, ref });
      }
      return;
    }
    case 'contacts': {
      const type = str(get('contact_type'));
      const exposureDate = str(get('exposure_date'));
      const quarantineEnd = str(get('quarantine_end'));
      if (exposureDate && (type === 'close' || type === 'secondary' || type === 'spatiotemporal')) {
        facts.contacts.push({ type, exposureDate, ...(quarantineEnd ? { quarantineEnd } : {}), ref });
      }
      return;
    }
    case 'quarantine': {
      const start = str(get('quarantine_start'));
      const end = str(get('quarantine_end'));
      if (start && end) facts.quarantine.push({ start, end, ref });
      return;
    }
    case 'symptoms': {
      const time = str(get('declaration_time'));
      const declared = str(get('symptoms'));
      const temperature = get('body_temperature');
      if (!time || declared === undefined) return;
      const symptoms = declared === 'none' ? '' : declared;
      facts.symptoms.push({
        time,
        fever: declared === 'fever' || (typeof temperature === 'number' && temperature >= FEVER_CELSIUS),
        symptoms,
        ref,
      });
      return;
    }
    case 'scans': {
      const venue = str(get('venue_code'));
      const time = str(get('scan_time'));
      if (venue && time) visitsAt(venue, time, places, ref, facts.visits);
      return;
    }
    case 'arrivals': {
      const station = str(get('station'));
      const time = str(get('arrival_time'));
      if (station && time) visitsAt(station, time, places, ref, facts.visits);
      return;
    }
  }
}

/** Groups rows by person and builds each person's facts. Subjects without rows get empty facts. */
export function buildFacts(
  subjects: readonly string[],
  rows: readonly RecordRow[],
  sources: ReadonlyMap<string, Source[]>,
  ring: Keyring,
  places: ReadonlyMap<string, AreaSpan[]>,
  now: string,
): Map<string, Facts> {
  const out = new Map<string, Facts>();
  for (const s of subjects) out.set(s, emptyFacts(now));
  for (const row of rows) {
    let facts = out.get(row.subject);
    if (!facts) out.set(row.subject, (facts = emptyFacts(now)));
    for (const source of sources.get(row.dataset_id) ?? []) addRecord(facts, source, row, ring, places);
  }
  return out;
}
