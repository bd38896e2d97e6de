// Cross-region events: cases and contacts of other regions' residents go to their home region; risk-area changes
// go to every region. Produced by following committed ingest batches and risk-area changes (own areas only), each
// batch of messages written with its watermark in one transaction, so nothing is sent twice or skipped.
import type { Queryable } from '../db/types.js';
import type { Platform } from '../platform/platform.js';
import { searchCatalogInternal } from '../catalog/service.js';
import { loadSources, type Source } from '../healthcode/facts/sources.js';
import { subjectOf } from '../records/keys.js';
import { sealRecord, SEALED } from '../records/sealed.js';
import { openRecordsOfBatch, SystemRead, type Disclosure } from '../records/system.js';
import { nodeIdentity } from './identity.js';
import { enqueueMessages, type Applier, type Outgoing } from './messages.js';
import { national } from './national.js';
import { homeRegionOf, openSealed, sealFor, type SignedMessage } from './protocol/index.js';
import { getState, setState } from './state.js';

const OVERLAP_MS = 60_000;

interface Mark {
  at: string;
  recent: string[];
}

const behind = (iso: string): string => new Date(Date.parse(iso) - OVERLAP_MS).toISOString();
const EPOCH = new Date(0).toISOString();

/** Case and contact facts of a record, by its source kind; undefined when the record is not one. */
function factOf(
  source: Source,
  data: Record<string, unknown>,
): { kind: 'case' | 'contact'; values: Record<string, string> } | undefined {
  const get = (el: string): string | undefined => {
    const name = source.fields[el];
    const v = name === undefined ? undefined : data[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  if (source.kind === 'cases') {
    const diagnosis = get('diagnosis');
    const reportTime = get('report_time');
    return diagnosis && reportTime ? { kind: 'case', values: { diagnosis, report_time: reportTime } } : undefined;
  }
  if (source.kind === 'contacts') {
    const type = get('contact_type');
    const exposure = get('exposure_date');
    const end = get('quarantine_end');
    return type && exposure
      ? {
          kind: 'contact',
          values: { contact_type: type, exposure_date: exposure, ...(end ? { quarantine_end: end } : {}) },
        }
      : undefined;
  }
  return undefined;
}

/** Rows of an ingest batch turned into messages per call: sending starts while a large batch is still being read. */
export const PRODUCE_CHUNK = 500;

interface BatchMark extends Mark {
  /** A batch being worked through: its id and the last record key done. */
  partial?: { batch: string; after: string };
}

/**
 * Messages for the cases and contacts about people whose home region is another node, from the next
 * PRODUCE_CHUNK rows of committed batches. The messages and the progress mark are written in one transaction.
 */
async function produceFromBatches(p: Platform): Promise<number> {
  const sources = (await loadSources(p.db, true)).filter((s) => s.kind === 'cases' || s.kind === 'contacts');
  if (sources.length === 0) return 0;
  const nat = await national(p);
  const regions = [...nat.regions.keys()];
  if (regions.length === 0) return 0;
  const idField = new Map(
    (await searchCatalogInternal(p.db)).map((d) => [d.id, d.fields.find((f) => f.element === 'citizen_id')?.name]),
  );
  const me = await nodeIdentity(p);
  // Reading the batch's records is a system-mode read of the federation job; each message that carries a person's
  // data to another region is a disclosure, audited with that person as subject (in their access log). The
  // messages are committed held, with their disclosures (fed_disclosures); the entries are appended after the
  // commit (on PGlite nothing inside a transaction may wait for another query), and only then are the messages
  // released to the sender. Disclosures left by a crash in between are audited and released by a later round.
  await releaseDisclosures(p, { olderThanMs: STRANDED_MS });
  const run = new SystemRead(p, 'federation.events');
  const { produced, disclosed } = await p.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['govshare.federation.events.batches']);
    const mark = (await getState<BatchMark>(tx, 'events.batches')) ?? { at: EPOCH, recent: [] };
    const next = mark.partial
      ? (
          await tx.query<{ id: string; dataset_id: string; finished_at: Date | string }>(
            'SELECT id, dataset_id, finished_at FROM ingest_batches WHERE id = $1',
            [mark.partial.batch],
          )
        ).rows[0]
      : (
          await tx.query<{ id: string; dataset_id: string; finished_at: Date | string }>(
            `SELECT id, dataset_id, finished_at FROM ingest_batches WHERE status = 'committed' AND finished_at > $1 AND dataset_id = ANY($2::text[])
            ORDER BY finished_at LIMIT 100`,
            [behind(mark.at), [...new Set(sources.map((s) => s.dataset))]],
          )
        ).rows.find((b) => !mark.recent.includes(b.id));
    if (!next) return { produced: 0, disclosed: [] };
    const after = mark.partial?.batch === next.id ? mark.partial.after : '';
    const rows = await openRecordsOfBatch(run, tx, next.id, next.dataset_id, after, PRODUCE_CHUNK);
    const field = idField.get(next.dataset_id);
    const out: Outgoing[] = [];
    const about: Omit<Disclosure, 'message'>[] = [];
    for (const { data } of rows) {
      const citizenId = field ? data[field] : undefined;
      if (typeof citizenId !== 'string') continue;
      const home = homeRegionOf(citizenId, regions);
      const peer = home === undefined ? undefined : nat.regions.get(home);
      if (!peer || home === p.settings.region) continue;
      for (const s of sources.filter((x) => x.dataset === next.dataset_id)) {
        const fact = factOf(s, data);
        if (!fact) continue;
        out.push({
          to: peer.region,
          type: fact.kind,
          payload: (id) => ({ person: sealFor(peer.key, citizenId, id), ...fact.values }),
        });
        about.push({
          subject: subjectOf(p.ring, citizenId),
          dataset: next.dataset_id,
          fields: [field!, ...Object.keys(fact.values).map((el) => s.fields[el]!)],
          to: peer.region,
          type: fact.kind,
        });
      }
    }
    const ids = await enqueueMessages(tx, p, me, out);
    const disclosed = ids.map((message, i): Disclosure => ({ ...about[i]!, message }));
    await holdForAudit(tx, disclosed);
    if (rows.length === PRODUCE_CHUNK) {
      await setState(tx, 'events.batches', {
        ...mark,
        partial: { batch: next.id, after: rows[rows.length - 1]!.key },
      } satisfies BatchMark);
    } else {
      const finished = new Date(next.finished_at).toISOString();
      await setState(tx, 'events.batches', {
        at: finished > mark.at ? finished : mark.at,
        recent: [...mark.recent, next.id].slice(-500),
      } satisfies BatchMark);
    }
    // Rows were read (or the batch finished): report progress so the caller keeps going.
    return { produced: Math.max(out.length, 1), disclosed };
  });
  await auditAndRelease(run, disclosed);
  return produced;
}

/** A held disclosure older than this was left by a process that stopped before auditing it. */
const STRANDED_MS = 60_000;

/** Holds the messages of these disclosures (not due) and records the disclosures, in the producing transaction. */
async function holdForAudit(tx: Queryable, disclosed: readonly Disclosure[]): Promise<void> {
  if (disclosed.length === 0) return;
  await tx.query(
    `WITH held AS (UPDATE fed_outbox SET next_attempt_at = now() + interval '100 years' WHERE id = ANY($1::text[]) RETURNING 1)
     INSERT INTO fed_disclosures (message_id, subject, dataset, fields, to_region, type)
     SELECT message_id, subject, dataset, fields, to_region, type
       FROM jsonb_to_recordset($2::jsonb) AS x(message_id text, subject text, dataset text, fields jsonb, to_region text, type text)`,
    [
      disclosed.map((d) => d.message),
      JSON.stringify(
        disclosed.map((d) => ({
          message_id: d.message,
          subject: d.subject,
          dataset: d.dataset,
          fields: d.fields,
          to_region: d.to,
          type: d.type,
        })),
      ),
    ],
  );
}

/** Appends the run's entries (its reads, one per disclosure), then releases the disclosed messages to the sender. */
async function auditAndRelease(run: SystemRead, disclosed: readonly Disclosure[]): Promise<void> {
  for (const d of disclosed) run.disclose(d);
  await run.audit();
  if (disclosed.length === 0) return;
  await run.platform.db.query(
    `WITH d AS (DELETE FROM fed_disclosures WHERE message_id = ANY($1::text[]) RETURNING message_id)
     UPDATE fed_outbox SET next_attempt_at = now() WHERE id IN (SELECT message_id FROM d) AND delivered_at IS NULL`,
    [disclosed.map((d) => d.message)],
  );
}

/**
 * Audits and releases held disclosures older than `olderThanMs` (left by a process stopped between committing
 * its messages and auditing them). An entry may then be written twice, never not at all.
 */
export async function releaseDisclosures(p: Platform, opts: { olderThanMs: number }): Promise<number> {
  const rows = (
    await p.db.query<{
      message_id: string;
      subject: string;
      dataset: string;
      fields: string[];
      to_region: string;
      type: string;
    }>(
      `SELECT message_id, subject, dataset, fields, to_region, type FROM fed_disclosures
        WHERE created_at <= now() - ($1 || ' milliseconds')::interval ORDER BY created_at LIMIT 1000`,
      [String(opts.olderThanMs)],
    )
  ).rows;
  await auditAndRelease(
    new SystemRead(p, 'federation.events'),
    rows.map((r) => ({
      message: r.message_id,
      subject: r.subject,
      dataset: r.dataset,
      fields: r.fields,
      to: r.to_region,
      type: r.type,
    })),
  );
  return rows.length;
}

interface AreaRow {
  id: string;
  division: string;
  name: unknown;
  level: string;
  places: string[];
  starts_at: Date | string;
  last_case_at: Date | string | null;
  ends_at: Date | string | null;
  lifted_by: string | null;
  lift_reason: string | null;
  updated_at: Date | string;
}

const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** Messages to every other region for each change of this node's own risk areas. */
async function produceFromAreas(p: Platform): Promise<number> {
  const nat = await national(p);
  const others = [...nat.regions.keys()].filter((r) => r !== p.settings.region);
  if (others.length === 0) return 0;
  const me = await nodeIdentity(p);
  return p.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['govshare.federation.events.areas']);
    const mark = (await getState<Mark>(tx, 'events.areas')) ?? { at: EPOCH, recent: [] };
    const rows = (
      await tx.query<AreaRow>(
        'SELECT * FROM risk_areas WHERE origin IS NULL AND updated_at > $1 ORDER BY updated_at LIMIT 200',
        [behind(mark.at)],
      )
    ).rows.filter((a) => !mark.recent.includes(`${a.id}@${new Date(a.updated_at).toISOString()}`));
    for (const a of rows) {
      const area = {
        id: a.id,
        division: a.division,
        name: a.name,
        level: a.level,
        places: a.places,
        startsAt: new Date(a.starts_at).toISOString(),
        lastCaseAt: isoOrNull(a.last_case_at),
        endsAt: isoOrNull(a.ends_at),
        liftedBy: a.lifted_by,
        liftReason: a.lift_reason,
      };
      await enqueueMessages(
        tx,
        p,
        me,
        others.map((to) => ({ to, type: 'risk_area' as const, payload: () => ({ area }) })),
      );
    }
    if (rows.length > 0) {
      const last = rows.reduce(
        (m, a) => (new Date(a.updated_at).toISOString() > m ? new Date(a.updated_at).toISOString() : m),
        mark.at,
      );
      const recent = [...mark.recent, ...rows.map((a) => `${a.id}@${new Date(a.updated_at).toISOString()}`)].slice(
        -1000,
      );
      await setState(tx, 'events.areas', { at: last, recent } satisfies Mark);
    }
    return rows.length * others.length;
  });
}

export async function produceEvents(p: Platform): Promise<number> {
  return (await produceFromBatches(p)) + (await produceFromAreas(p));
}

/** Prepares a received message (unsealing outside the transaction) and returns how to apply it inside. */
export const applyMessage: Applier = async (p: Platform, m: SignedMessage, me) => {
  const e = m.envelope;
  if (e.type === 'case' || e.type === 'contact') {
    const { person, ...values } = e.payload as { person: string } & Record<string, string>;
    const citizenId = openSealed(me.privateKey, person, e.id);
    const subject = subjectOf(p.ring, citizenId);
    const dataset = `federation:${e.type}`;
    const data = JSON.stringify({ [SEALED]: sealRecord(p.ring, dataset, values) });
    return async (tx) => {
      await tx.query(
        `WITH f AS (INSERT INTO fed_facts (message_id, subject, from_region, kind, data) VALUES ($1, $2, $3, $4, $5) RETURNING subject)
         INSERT INTO hc_dirty (subject, cause) SELECT subject, $6 FROM f ON CONFLICT (subject) DO NOTHING`,
        [e.id, subject, e.from, e.type, data, `federation:${e.from}`],
      );
    };
  }
  const a = (
    e.payload as {
      area: {
        id: string;
        division: string;
        name: unknown;
        level: string;
        places: string[];
        startsAt: string;
        lastCaseAt: string | null;
        endsAt: string | null;
        liftedBy: string | null;
        liftReason: string | null;
      };
    }
  ).area;
  return async (tx) => {
    await tx.query(
      `INSERT INTO risk_areas (id, division, name, level, places, starts_at, last_case_at, ends_at, lifted_by, lift_reason, declared_by, origin, updated_at)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, now())
       ON CONFLICT (id) DO UPDATE SET level = excluded.level, places = excluded.places, last_case_at = excluded.last_case_at, ends_at = excluded.ends_at,
         lifted_by = excluded.lifted_by, lift_reason = excluded.lift_reason, updated_at = now()`,
      [
        `${e.from}:${a.id}`,
        a.division,
        JSON.stringify(a.name),
        a.level,
        a.places,
        a.startsAt,
        a.lastCaseAt,
        a.endsAt,
        a.liftedBy,
        a.liftReason,
        `federation:${e.from}`,
        e.from,
      ],
    );
  };
};
