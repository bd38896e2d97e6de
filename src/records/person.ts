// Person mode: a citizen's own current records across datasets, in clear (it is their own data), audited with the
// person as subject (`person.records_viewed`, mode `person`), so the read shows in their own access log.
import { audit, type Ctx } from '../access/context.js';
import { requirePerson } from '../access/policy.js';
import { searchCatalogInternal } from '../catalog/service.js';
import { openRecord } from './sealed.js';

export interface OwnRecord {
  version: number;
  data: Record<string, unknown>;
  masked: string[];
  validFrom: string;
  validTo: string | null;
}

/** The signed-in person's current records, per dataset (their subject comes from the person token, nothing else). */
export async function readOwnRecords(ctx: Ctx): Promise<{ dataset: string; records: OwnRecord[] }[]> {
  const p = requirePerson(ctx);
  const rows = await ctx.db.query<{
    dataset_id: string;
    record_key: string;
    version: number;
    data: Record<string, unknown>;
    valid_from: Date | string;
    valid_to: Date | string | null;
  }>(
    'SELECT dataset_id, record_key, version, data, valid_from, valid_to FROM records WHERE subject = $1 AND valid_to IS NULL ORDER BY dataset_id, record_key',
    [p.subject],
  );
  const datasets = new Map((await searchCatalogInternal(ctx.db)).map((d) => [d.id, d]));
  const out = new Map<string, OwnRecord[]>();
  for (const r of rows.rows) {
    const ds = datasets.get(r.dataset_id)!;
    const values = openRecord(ctx.platform.ring, ds.id, r.data);
    const data: Record<string, unknown> = {};
    for (const f of ds.fields) if (values[f.name] !== undefined) data[f.name] = values[f.name];
    const list = out.get(ds.id) ?? [];
    list.push({
      version: r.version,
      data,
      masked: [],
      validFrom: new Date(r.valid_from).toISOString(),
      validTo: r.valid_to === null ? null : new Date(r.valid_to).toISOString(),
    });
    out.set(ds.id, list);
  }
  await audit(ctx, {
    action: 'person.records_viewed',
    outcome: 'ok',
    subjects: [p.subject],
    detail: { mode: 'person', datasets: [...out.keys()], rows: rows.rows.length },
  });
  return [...out].map(([dataset, records]) => ({ dataset, records }));
}
