// Shapes of API answers the CLI reads (type-only imports: nothing of the server is loaded).
export type { Dataset } from '../catalog/schema.js';
export type { Department } from '../departments/schema.js';
export type { Receipt, RejectedRow, Format } from '../ingest/schema.js';
export type { ShareRequest } from '../sharing/schema.js';
export type { Correction } from '../sharing/corrections.js';
export type { DepartmentSharing } from '../sharing/report.js';
export type { SharedRecord } from '../records/read.js';
export type { TreeHead } from '../audit/heads.js';
export type { ProvenEntry } from '../audit/service.js';
export type { VerifyReport } from '../audit/verify.js';
export type { AccessLogItem } from '../persons/service.js';
export type { PersonToken } from '../persons/tokens.js';
export type { ReencryptStatus } from '../keys/fieldkeys.js';
import type { DataElement } from '../standard/types.js';
import type { RejectedRow } from '../ingest/schema.js';

export type Element = DataElement & { builtin?: boolean };
export interface ListOf<T> {
  items: T[];
}
export interface Page<T> {
  total: number;
  items: T[];
}
export type RejectsPage = Page<RejectedRow>;
export interface IssuedToken {
  id: string;
  departmentId: string;
  name: string;
  token: string;
  expiresAt: string | null;
}
export interface ValidateResult {
  element: string;
  valid: boolean;
  value?: string | number | boolean;
  code?: string;
  message?: string;
}
export interface Purpose {
  code: string;
  name: { 'zh-CN': string; en: string };
}
export interface RecordPage<T> {
  items: T[];
  next: string | null;
}
