import { resolve } from 'node:path';

/** Everything a node is configured with; flags win over environment variables, which win over defaults. */
export interface Config {
  host: string;
  port: number;
  dataDir: string; // PGlite data directory, and where the credentials file is written
  databaseUrl: string | undefined; // PostgreSQL when set
  dbSchema: string | undefined;
  maxIngestBytes: number;
  log: boolean;
  demo: boolean; // build the demo province on an empty database
  demoPersons: number;
  fieldKeys: string | undefined; // GOVSHARE_FIELD_KEYS: the keyring JSON, shared by several processes
  answerWorkingDays: number; // working days an owner has to answer a conditional request
  region: string; // GOVSHARE_REGION: the node's GB/T 2260 region code (health-code issuer, rule-set region)
  codeTtlSeconds: number; // GOVSHARE_CODE_TTL: lifetime of an issued health code
  retentionDays: number; // GOVSHARE_RETENTION_DAYS: how long venue scans and itineraries are kept
}

export interface ConfigFlags {
  host?: string | undefined;
  port?: string | number | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  dbSchema?: string | undefined;
  demo?: boolean | undefined;
  persons?: string | number | undefined;
  log?: boolean | undefined;
  region?: string | undefined;
}

function intOf(name: string, v: string | number | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got ${String(v)})`);
  return n;
}

function regionOf(v: string | undefined): string {
  if (v === undefined || v === '') return '440000';
  if (!/^\d{6}$/.test(v)) throw new Error(`region must be a 6-digit GB/T 2260 division code (got ${v})`);
  return v;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port: intOf('port', flags.port ?? env.PORT, 8080, 0, 65535),
    dataDir: resolve(flags.dataDir ?? env.GOVSHARE_DATA_DIR ?? './data'),
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    dbSchema: flags.dbSchema ?? (env.GOVSHARE_DB_SCHEMA || undefined),
    maxIngestBytes: intOf('GOVSHARE_MAX_INGEST_BYTES', env.GOVSHARE_MAX_INGEST_BYTES, 4 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
    log: flags.log ?? env.GOVSHARE_LOG === '1',
    demo: flags.demo ?? env.GOVSHARE_DEMO !== '0',
    demoPersons: intOf('persons', flags.persons ?? env.GOVSHARE_DEMO_PERSONS, 10_000, 1, 20_000_000),
    fieldKeys: env.GOVSHARE_FIELD_KEYS || undefined,
    answerWorkingDays: intOf('GOVSHARE_ANSWER_DAYS', env.GOVSHARE_ANSWER_DAYS, 10, 1, 60),
    region: regionOf(flags.region ?? env.GOVSHARE_REGION),
    codeTtlSeconds: intOf('GOVSHARE_CODE_TTL', env.GOVSHARE_CODE_TTL, 300, 10, 86_400),
    retentionDays: intOf('GOVSHARE_RETENTION_DAYS', env.GOVSHARE_RETENTION_DAYS, 21, 1, 3650),
  };
}
