// Audit entries and their canonical byte encoding (the Merkle leaf). See docs/audit.md.
import { canonicalJson } from '../core/canonical-json.js';
import type { AuditAction } from './actions.js';

export type { AuditAction } from './actions.js';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuditActor {
  kind: 'department' | 'person' | 'system' | 'anonymous';
  department?: string; // the acting department
  token?: string; // token id (never the secret)
  person?: string; // a person's pseudonymous subject id
  reason?: string; // for system actors
}

/**
 * What a service records. `subjects` are the pseudonymous subject ids (blind indexes) of the people whose data was
 * touched; the ledger stores them salted (audit/subjects.ts), never as given.
 */
export interface AuditInput {
  action: AuditAction; // one of the closed set in audit/actions.ts, each documented in docs/audit.md
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

/**
 * A stored entry: the input plus its time and format version. Format 2 (written today) carries a random `salt`
 * when it names anyone, and its `subjects` and `actor.person` are salted hashes (audit/subjects.ts); format 1
 * (older entries) held the subject ids themselves and no salt.
 */
export interface AuditEntry extends AuditInput {
  v: 1 | 2;
  time: string; // ISO 8601 UTC, millisecond precision
  salt?: string; // base64url, 16 random bytes
}

export function encodeEntry(entry: AuditEntry): string {
  return canonicalJson(entry);
}

/** The sink every service appends to; the ledger (audit/ledger.ts) implements it with group commit. */
export interface AuditSink {
  /** Appends an entry; resolves with its sequence number once it is durable. */
  append(input: AuditInput): Promise<number>;
}
