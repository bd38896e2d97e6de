// Checkpoint scans, written group-committed: every check waits until its scan is stored, but the scans that
// arrive while one INSERT runs go together in the next (one statement per batch, as the audit ledger does).
import type { Queryable } from '../../db/types.js';

export interface Scan {
  subject: string;
  codeId: string;
  venue: string | null;
  checkpoint: string | null;
  colour: string;
}

interface Pending {
  scan: Scan;
  done: (err?: unknown) => void;
}

const MAX_BATCH = 1_000;

class ScanRecorder {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly q: Queryable) {}

  record(scan: Scan): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ scan, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const col = <T>(f: (s: Scan) => T): T[] => batch.map((p) => f(p.scan));
      try {
        await this.q.query(
          `INSERT INTO code_scans (subject, code_id, venue, checkpoint, colour)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
          [
            col((s) => s.subject),
            col((s) => s.codeId),
            col((s) => s.venue),
            col((s) => s.checkpoint),
            col((s) => s.colour),
          ],
        );
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.done(err);
      }
    }
    this.flushing = false;
  }
}

const recorders = new WeakMap<Queryable, ScanRecorder>();

/** Stores a scan; resolves once it is durable. */
export function recordScan(q: Queryable, scan: Scan): Promise<void> {
  let r = recorders.get(q);
  if (!r) recorders.set(q, (r = new ScanRecorder(q)));
  return r.record(scan);
}
