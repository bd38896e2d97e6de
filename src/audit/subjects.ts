// How an entry names people without letting its readers link them across entries (docs/audit.md, "Subjects").
// Pure: no database, so the CLI checks a person's membership with the same code.
import { createHmac, randomBytes } from 'node:crypto';
import type { AuditEntry, AuditInput } from './entry.js';

export const SALT_BYTES = 16;

/** The value an entry with this salt holds for a subject: base64url(HMAC-SHA256(key = salt bytes, subject)). */
export function subjectHash(salt: string, subject: string): string {
  return createHmac('sha256', Buffer.from(salt, 'base64url')).update(subject, 'utf8').digest('base64url');
}

/**
 * The stored entry for an input (format 2): a fresh random salt when it names anyone, its subjects (and a person
 * actor) replaced by their salted hashes, sorted and without repeats. The real subjects go to audit_subjects only.
 */
export function blindEntry(input: AuditInput, time: string, salt = randomBytes(SALT_BYTES)): AuditEntry {
  const { subjects, actor, ...rest } = input;
  const named = (subjects?.length ?? 0) > 0 || actor.person !== undefined;
  if (!named) return { ...rest, actor, v: 2, time };
  const s = salt.toString('base64url');
  return {
    ...rest,
    v: 2,
    time,
    salt: s,
    actor: actor.person !== undefined ? { ...actor, person: subjectHash(s, actor.person) } : actor,
    ...(subjects?.length ? { subjects: [...new Set(subjects.map((x) => subjectHash(s, x)))].sort() } : {}),
  };
}

/** The value in `entry.subjects` that stands for `subject` (format 1 held subjects in clear). */
export function subjectValue(entry: Pick<AuditEntry, 'v' | 'salt'>, subject: string): string {
  return entry.v === 1 || typeof entry.salt !== 'string' ? subject : subjectHash(entry.salt, subject);
}

/** Whether the entry names this subject among the people whose data it touched. */
export function namesSubject(entry: Pick<AuditEntry, 'v' | 'salt' | 'subjects'>, subject: string): boolean {
  return Array.isArray(entry.subjects) && entry.subjects.includes(subjectValue(entry, subject));
}
