import { Kind } from '@sinclair/typebox';
import * as audit from '../audit/routes.js';
import * as catalog from '../catalog/schema.js';
import * as departments from '../departments/schema.js';
import * as codes from '../healthcode/codes/schema.js';
import * as status from '../healthcode/status/schema.js';
import * as ingest from '../ingest/schema.js';
import * as riskareas from '../riskareas/schema.js';
import * as sharing from '../sharing/schema.js';
import * as standard from '../standard/schema.js';

/** Names a generated client knows the resources by, where the export's own name says less. */
const RENAMES: Record<string, string> = {
  StatusSchema: 'HealthStatus',
  StatusWithHistory: 'HealthStatusWithHistory',
  HistorySchema: 'HealthStatusHistory',
  ReasonSchema: 'HealthStatusReason',
  FreshnessSchema: 'HealthStatusFreshness',
  JobSchema: 'RecomputeJob',
  ElementSchema: 'Element',
  MaskSchema: 'Mask',
  Status: 'ShareRequestStatus',
  Reason: 'ShareReason',
  Decision: 'ShareDecision',
  Scope: 'ShareScope',
  Renewal: 'ShareRenewal',
};

// The modules whose exported TypeBox schemas are named components, in this order (a name taken by an earlier one
// is prefixed with the module's name).
const MODULES: [string, Record<string, unknown>][] = [
  ['Catalog', catalog],
  ['Departments', departments],
  ['Standard', standard],
  ['Ingest', ingest],
  ['Sharing', sharing],
  ['Riskareas', riskareas],
  ['Status', status],
  ['Codes', codes],
  ['Audit', audit],
];

const isSchema = (v: unknown): v is object => typeof v === 'object' && v !== null && Kind in v;

/**
 * The named schemas of the API, by identity: the TypeBox schemas the capabilities export, under their export's
 * name (without a `Schema` suffix). Route files name their own schemas with a `title` (see openapi.ts).
 */
export function namedSchemas(): Map<object, string> {
  const names = new Map<object, string>();
  const taken = new Set<string>();
  for (const [prefix, mod] of MODULES) {
    for (const [exported, value] of Object.entries(mod)) {
      if (!isSchema(value) || names.has(value)) continue;
      let name = RENAMES[exported] ?? exported.replace(/Schema$/, '');
      if (taken.has(name)) name = prefix + name;
      taken.add(name);
      names.set(value, name);
    }
  }
  return names;
}
