import type { Ctx } from '../access/context.js';
import { requireAuthenticated } from '../access/policy.js';

/** What each department gives and gets: the mutual benefit of sharing, in figures. */
export interface DepartmentSharing {
  department: string;
  datasets: number;
  recordsContributed: number; // current records in its datasets
  recordsReadByOthers: number; // rows of its data other departments read
  recordsConsumed: number; // rows of others' data it read
  requestsMade: number;
  requestsReceived: number;
  requestsAnswered: number; // conditional requests the department decided
  medianAnswerHours: number | null;
  overdue: number; // requests for its data past their deadline, unanswered
}

export async function sharingReport(ctx: Ctx): Promise<{ generatedAt: string; departments: DepartmentSharing[] }> {
  requireAuthenticated(ctx);
  const q = ctx.db;
  const depts = await q.query<{ id: string; datasets: number; records: number }>(
    `SELECT d.id, count(ds.id)::int AS datasets, COALESCE(sum(ds.record_count), 0)::bigint AS records
     FROM departments d LEFT JOIN datasets ds ON ds.owner_id = d.id GROUP BY d.id ORDER BY d.id`,
  );
  const reads = await q.query<{ owner: string; reader: string; rows: number }>(
    `SELECT ds.owner_id AS owner, e.reader, sum(e.rows)::bigint AS rows
     FROM (SELECT entry::jsonb->>'dataset' AS dataset, entry::jsonb->'actor'->>'department' AS reader,
                  COALESCE((entry::jsonb->'detail'->>'rows')::int, 0) AS rows
           FROM audit_entries
           WHERE entry LIKE '%"action":"records.read"%' AND entry LIKE '%"outcome":"ok"%') e
     JOIN datasets ds ON ds.id = e.dataset
     WHERE e.reader IS NOT NULL AND e.reader <> ds.owner_id
     GROUP BY ds.owner_id, e.reader`,
  );
  const reqs = await q.query<{
    id: string;
    made: number;
    received: number;
    answered: number;
    median_hours: number | null;
    overdue: number;
  }>(
    `SELECT d.id,
       (SELECT count(*) FROM share_requests r WHERE r.consumer_id = d.id)::int AS made,
       (SELECT count(*) FROM share_requests r WHERE r.owner_id = d.id)::int AS received,
       (SELECT count(*) FROM share_requests r WHERE r.owner_id = d.id AND r.decided_at IS NOT NULL AND r.decided_by NOT LIKE 'policy:%')::int AS answered,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.decided_at - r.created_at) / 3600)
          FROM share_requests r WHERE r.owner_id = d.id AND r.decided_at IS NOT NULL AND r.decided_by NOT LIKE 'policy:%') AS median_hours,
       (SELECT count(*) FROM share_requests r WHERE r.owner_id = d.id AND r.status = 'pending' AND r.deadline < now())::int AS overdue
     FROM departments d`,
  );
  const byId = new Map(reqs.rows.map((r) => [r.id, r]));
  const given = new Map<string, number>();
  const got = new Map<string, number>();
  for (const r of reads.rows) {
    given.set(r.owner, (given.get(r.owner) ?? 0) + Number(r.rows));
    got.set(r.reader, (got.get(r.reader) ?? 0) + Number(r.rows));
  }
  return {
    generatedAt: new Date().toISOString(),
    departments: depts.rows.map((d) => {
      const r = byId.get(d.id);
      return {
        department: d.id,
        datasets: d.datasets,
        recordsContributed: Number(d.records),
        recordsReadByOthers: given.get(d.id) ?? 0,
        recordsConsumed: got.get(d.id) ?? 0,
        requestsMade: r?.made ?? 0,
        requestsReceived: r?.received ?? 0,
        requestsAnswered: r?.answered ?? 0,
        medianAnswerHours:
          r?.median_hours === null || r?.median_hours === undefined
            ? null
            : Math.round(Number(r.median_hours) * 10) / 10,
        overdue: r?.overdue ?? 0,
      };
    }),
  };
}
