// Audit entries and their canonical byte encoding (the Merkle leaf). See docs/audit.md.
import { canonicalJson } from '../core/canonical-json.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditActor {
  kind: 'department' | 'person' | 'system' | 'anonymous';
  department?: string; // the acting department
  token?: string; // token id (never the secret)
  person?: string; // a person's pseudonymous subject id
  reason?: string; // for system actors
}

/** What a service records. `subjects` are blind indexes of the people whose data was touched. */
export interface AuditInput {
  action: string; // e.g. records.read, sharing.approve, tokens.issue
  outcome: AuditOutcome;
  actor: AuditActor;
  dataset?: string;
  subjects?: string[];
  fields?: string[];
  purpose?: string;
  grant?: string;
  reason?: string; // why a request was refused or a decision taken
  detail?: Record<string, unknown>;
}

/** A stored entry: the input plus its time and format version. */
export interface AuditEntry extends AuditInput {
  v: 1;
  time: string; // ISO 8601 UTC, millisecond precision
}

export function encodeEntry(entry: AuditEntry): string {
  return canonicalJson(entry);
}

/** The sink every service appends to; the ledger (audit/ledger.ts) implements it with group commit. */
export interface AuditSink {
  /** Appends an entry; resolves with its sequence number once it is durable. */
  append(input: AuditInput): Promise<number>;
}
