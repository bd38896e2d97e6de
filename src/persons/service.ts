import { audit, type Ctx } from '../access/context.js';
import { requirePerson } from '../access/policy.js';
import type { AuditEntry } from '../audit/entry.js';
import { proveEntries, type ProvenEntry } from '../audit/service.js';
import { namesSubject, subjectValue } from '../audit/subjects.js';
import { readOwnRecords, type OwnRecord } from '../records/person.js';

export interface AccessLogItem extends ProvenEntry {
  time: string;
  action: string;
  outcome: string;
  department: string | null;
  dataset: string | null;
  purpose: string | null;
  fields: string[];
  /** The value in the entry's `subjects` that names the person (docs/audit.md, "Subjects"). */
  namedAs: string;
}

/** Every audit entry that touched the signed-in person, each with an inclusion proof. Nobody else's. */
export async function myAccessLog(ctx: Ctx, limit = 500): Promise<AccessLogItem[]> {
  const p = requirePerson(ctx);
  const res = await ctx.db.query<{ seq: number | string; entry: string }>(
    `SELECT e.seq, e.entry FROM audit_subjects s JOIN audit_entries e ON e.seq = s.seq
     WHERE s.subject = $1 ORDER BY e.seq DESC LIMIT $2`,
    [p.subject, limit],
  );
  // Only entries that themselves name the person: a row added to the index behind the application's back must not
  // show them someone else's entry (audit verify reports such a row).
  const mine = res.rows.filter((r) => {
    try {
      return namesSubject(JSON.parse(r.entry) as AuditEntry, p.subject);
    } catch {
      return false; // not JSON: changed behind the application's back (audit verify names it)
    }
  });
  const proven = await proveEntries(
    ctx,
    mine.map((r) => ({ ...r, seq: Number(r.seq) })),
  );
  await audit(ctx, {
    action: 'person.access_log_viewed',
    outcome: 'ok',
    subjects: [p.subject],
    detail: { entries: proven.length },
  });
  return proven.map((x) => {
    const e = JSON.parse(x.entry) as AuditEntry;
    return {
      ...x,
      time: e.time,
      action: e.action,
      outcome: e.outcome,
      department: e.actor.department ?? null,
      dataset: e.dataset ?? null,
      purpose: e.purpose ?? null,
      fields: e.fields ?? [],
      namedAs: subjectValue(e, p.subject),
    };
  });
}

/** The signed-in person's own current records across datasets, in clear (person mode, through the records door). */
export async function myRecords(ctx: Ctx): Promise<{ dataset: string; records: OwnRecord[] }[]> {
  requirePerson(ctx);
  return readOwnRecords(ctx);
}
