import type { Db, Queryable } from '../db/types.js';
import { encodeEntry, type AuditInput, type AuditSink } from './entry.js';
import { FrontierAppender, leafHash, type NodeSource } from './merkle.js';
import { blindEntry } from './subjects.js';
import { scrubDeep } from '../core/redact.js';

interface Pending {
  text: string;
  subjects: string[];
  at: string;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 4000;

/** Complete-subtree hashes straight from the audit_nodes table. */
export function dbNodeSource(q: Queryable): NodeSource {
  return {
    async node(level: number, index: number) {
      const res = await q.query<{ hash: string }>('SELECT hash FROM audit_nodes WHERE level = $1 AND idx = $2', [
        level,
        index,
      ]);
      if (!res.rows[0]) throw new Error(`audit node (${level}, ${index}) is missing`);
      return Buffer.from(res.rows[0].hash, 'hex');
    },
  };
}

/**
 * The size of the tree: past the last stored entry and past the last stored tree node (each level looked up by its
 * index). Entries deleted from the tail while their hashes remain do not shrink it: appends go on after them, and
 * audit verify names the missing entries.
 */
export async function ledgerSize(q: Queryable): Promise<number> {
  const res = await q.query<{ n: number | string }>(
    `SELECT GREATEST(
       (SELECT COALESCE(max(seq) + 1, 0) FROM audit_entries),
       (SELECT COALESCE(max((n.idx + 1) * (1::bigint << l.level)), 0)
          FROM generate_series(0, 52) AS l(level)
          CROSS JOIN LATERAL (SELECT max(idx) AS idx FROM audit_nodes WHERE level = l.level) n)
     ) AS n`,
  );
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * The append-only audit ledger: an RFC 6962 Merkle tree in the database. Appends are group-committed: entries
 * arriving together are written in one transaction (entries, the tree nodes they complete, the subjects they
 * touch), and every caller's promise resolves only once its entry is durable. Appends from several processes are
 * serialised by an advisory lock; the in-memory frontier is rebuilt whenever another process has appended.
 */
export class Ledger implements AuditSink {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private appender: FrontierAppender | null = null;

  constructor(private readonly db: Db) {}

  append(input: AuditInput): Promise<number> {
    // Free text (a refusal's reason, a correction's answer, a venue) can quote an ID or mobile number; the ledger
    // can never forget, so such shapes are redacted here, for every writer (the full text stays where it belongs).
    const clean: AuditInput = {
      ...input,
      ...(input.reason !== undefined ? { reason: scrubDeep(input.reason) } : {}),
      ...(input.detail !== undefined ? { detail: scrubDeep(input.detail) } : {}),
    };
    const entry = blindEntry(clean, new Date().toISOString());
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ text: encodeEntry(entry), subjects: input.subjects ?? [], at: entry.time, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when everything appended so far is written. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let concurrent appends join the batch
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const first = await this.write(batch);
          batch.forEach((p, i) => p.resolve(first + i));
        } catch (err) {
          this.appender = null;
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * Writes a batch in one statement (atomic on its own: no explicit transaction, one round trip). The sequence
   * numbers come from the in-memory frontier; if another process appended meanwhile, the primary keys collide,
   * nothing is written, and the batch is retried on a frontier rebuilt from the database.
   */
  private async write(batch: Pending[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (!this.appender)
        this.appender = await FrontierAppender.fromSource(dbNodeSource(this.db), await ledgerSize(this.db));
      const size = this.appender.size;
      const texts: string[] = [];
      const ats: string[] = [];
      const nodeLevels: number[] = [];
      const nodeIdx: number[] = [];
      const nodeHashes: string[] = [];
      const subjSeq: number[] = [];
      const subjects: string[] = [];
      batch.forEach((p, i) => {
        const seq = size + i;
        texts.push(p.text);
        ats.push(p.at);
        this.appender!.appendEach([leafHash(Buffer.from(p.text, 'utf8'))], (level, index, hash) => {
          nodeLevels.push(level);
          nodeIdx.push(index);
          nodeHashes.push(hash.toString('hex'));
        });
        for (const s of new Set(p.subjects)) {
          subjSeq.push(seq);
          subjects.push(s);
        }
      });
      try {
        // Entries travel as one JSON parameter: far cheaper for the server to parse than array literals of
        // escaped JSON text.
        await this.db.query(
          `WITH entries AS (
             INSERT INTO audit_entries (seq, entry, at)
             SELECT $1::bigint + (i - 1), e, a::timestamptz
             FROM json_array_elements_text($2::json) WITH ORDINALITY AS x(e, i)
             JOIN unnest($3::text[]) WITH ORDINALITY AS y(a, j) ON j = i
             RETURNING 1
           ), nodes AS (
             INSERT INTO audit_nodes (level, idx, hash) SELECT * FROM unnest($4::smallint[], $5::bigint[], $6::text[]) RETURNING 1
           ), subj AS (
             INSERT INTO audit_subjects (subject, seq) SELECT * FROM unnest($7::text[], $8::bigint[]) RETURNING 1
           )
           SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM nodes) + (SELECT count(*) FROM subj) AS n`,
          [size, JSON.stringify(texts), ats, nodeLevels, nodeIdx, nodeHashes, subjects, subjSeq],
        );
        return size;
      } catch (err) {
        this.appender = null; // it moved ahead of what is stored: rebuild it
        if ((err as { code?: string }).code !== '23505' || attempt >= 20) throw err;
      }
    }
  }
}
