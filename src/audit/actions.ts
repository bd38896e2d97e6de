// The closed vocabulary of audit actions. Every action the code writes is listed here, one per line, sorted, and
// documented in the one table of docs/audit.md ("Actions"); a test checks that the two lists are the same.
// AuditInput.action is typed with it, so an action that is not listed here does not compile.

export const AUDIT_ACTIONS = [
  'appeals.decide',
  'appeals.file',
  'appeals.list',
  'appeals.read',
  'audit.verify',
  'auth.failed',
  'calendar.update',
  'catalog.publish',
  'catalog.update',
  'corrections.fixed',
  'corrections.rejected',
  'corrections.report',
  'departments.create',
  'departments.update',
  'elements.create',
  'federation.identity.capture',
  'federation.key.revoke',
  'federation.message.applied',
  'federation.message.rejected',
  'federation.region.register',
  'federation.status.disclosed',
  'federation.trust_list.publish',
  'healthcode.check',
  'healthcode.code.issue',
  'healthcode.key.revoke',
  'healthcode.key.rotate',
  'healthcode.recompute',
  'healthcode.recompute.start',
  'healthcode.ruleset.publish',
  'healthcode.status.read',
  'ingest.profile_deleted',
  'ingest.profile_saved',
  'keys.reencrypted',
  'keys.rotated',
  'person.access_log_viewed',
  'person.appeals_viewed',
  'person.records_viewed',
  'persons.token_issued',
  'records.disclosed',
  'records.read',
  'records.write',
  'retention.purge',
  'riskarea.case',
  'riskarea.declare',
  'riskarea.level',
  'riskarea.lift',
  'riskarea.places',
  'sharing.granted',
  'sharing.refused',
  'sharing.renewed',
  'sharing.request',
  'sharing.revoked',
  'sharing.withdrawn',
  'tokens.issue',
  'tokens.revoke',
] as const;

/** One audit action: what happened. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const known: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/** Whether a string read back from storage is one of the actions. */
export const isAuditAction = (s: string): s is AuditAction => known.has(s);
