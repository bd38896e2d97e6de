import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  demo: boolean; // build the demo province on an empty database: by default only on the embedded database (PGlite)
  demoPersons: number;
  fieldKeys: string | undefined; // GOVSHARE_FIELD_KEYS: the keyring JSON, shared by several processes
  answerWorkingDays: number; // working days an owner has to answer a conditional request
  region: string; // GOVSHARE_REGION: the node's GB/T 2260 region code (health-code issuer, rule-set region)
  codeTtlSeconds: number; // GOVSHARE_CODE_TTL: lifetime of an issued health code
  retentionDays: number; // GOVSHARE_RETENTION_DAYS: how long venue scans and itineraries are kept
  role: 'standalone' | 'hub' | 'region'; // GOVSHARE_ROLE: federation role (docs/federation.md)
  hubUrl: string | undefined; // GOVSHARE_HUB_URL: the hub, for a region node
  hubKey: string | undefined; // GOVSHARE_HUB_KEY: the hub's node key (DER SPKI, base64); else pinned on first contact
  syncSeconds: number; // GOVSHARE_SYNC_SECONDS: national trust-list sync interval
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
  role?: string | undefined;
  hubUrl?: string | undefined;
  syncSeconds?: string | number | undefined;
  /** A JSON file with { role, region, hub, syncSeconds }; flags win over it, it wins over the environment. */
  federationConfig?: string | undefined;
}

interface FederationFile {
  role?: string;
  region?: string;
  hub?: string;
  hubKey?: string;
  syncSeconds?: number;
}

function readFederationFile(file: string | undefined): FederationFile {
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the federation config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`the federation config ${file} must be a JSON object`);
  const known = ['role', 'region', 'hub', 'hubKey', 'syncSeconds'];
  const extra = Object.keys(parsed).filter((k) => !known.includes(k));
  if (extra.length)
    throw new Error(`the federation config ${file} has unknown keys: ${extra.join(', ')} (known: ${known.join(', ')})`);
  return parsed as FederationFile;
}

function hubKeyOf(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(v, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    return key.export({ format: 'der', type: 'spki' }).toString('base64');
  } catch {
    throw new Error(
      'the hub key must be a P-256 public key as base64 DER SubjectPublicKeyInfo (GET <hub>/api/v1/federation/node shows it)',
    );
  }
}

function roleOf(v: string | undefined): Config['role'] {
  if (v === undefined || v === '') return 'standalone';
  if (v === 'hub' || v === 'region' || v === 'standalone') return v;
  throw new Error(`role must be hub, region or standalone (got ${v})`);
}

function hubUrlOf(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`the hub URL is not a URL: ${v}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`the hub URL must be http(s): ${v}`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

function intOf(name: string, v: string | number | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${String(v)})`);
  return n;
}

/** --demo/--no-demo, else GOVSHARE_DEMO=1/0, else only on PGlite: never silently into a PostgreSQL database. */
function demoOf(flag: boolean | undefined, env: string | undefined, databaseUrl: string | undefined): boolean {
  if (flag !== undefined) return flag;
  if (env === '1' || env === 'true') return true;
  if (env === '0' || env === 'false') return false;
  if (env !== undefined && env !== '') throw new Error(`GOVSHARE_DEMO must be 1 or 0 (got ${env})`);
  return databaseUrl === undefined;
}

function regionOf(v: string | undefined): string {
  if (v === undefined || v === '') return '440000';
  if (!/^\d{6}$/.test(v)) throw new Error(`region must be a 6-digit GB/T 2260 division code (got ${v})`);
  return v;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fed = readFederationFile(flags.federationConfig ?? (env.GOVSHARE_FEDERATION_CONFIG || undefined));
  const role = roleOf(flags.role ?? fed.role ?? env.GOVSHARE_ROLE);
  const hubUrl = hubUrlOf(flags.hubUrl ?? fed.hub ?? env.GOVSHARE_HUB_URL);
  if (role === 'region' && !hubUrl)
    throw new Error('a region node needs the hub URL (--hub, GOVSHARE_HUB_URL or "hub" in the federation config)');
  const databaseUrl = flags.databaseUrl ?? (env.DATABASE_URL || undefined);
  return {
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port: intOf('port', flags.port ?? env.PORT, 8080, 0, 65535),
    dataDir: resolve(flags.dataDir ?? env.GOVSHARE_DATA_DIR ?? './data'),
    databaseUrl,
    dbSchema: flags.dbSchema ?? (env.GOVSHARE_DB_SCHEMA || undefined),
    maxIngestBytes: intOf(
      'GOVSHARE_MAX_INGEST_BYTES',
      env.GOVSHARE_MAX_INGEST_BYTES,
      4 * 1024 ** 3,
      1024,
      Number.MAX_SAFE_INTEGER,
    ),
    log: flags.log ?? env.GOVSHARE_LOG === '1',
    demo: demoOf(flags.demo, env.GOVSHARE_DEMO, databaseUrl),
    demoPersons: intOf('persons', flags.persons ?? env.GOVSHARE_DEMO_PERSONS, 10_000, 1, 20_000_000),
    fieldKeys: env.GOVSHARE_FIELD_KEYS || undefined,
    answerWorkingDays: intOf('GOVSHARE_ANSWER_DAYS', env.GOVSHARE_ANSWER_DAYS, 10, 1, 60),
    region: regionOf(flags.region ?? fed.region ?? env.GOVSHARE_REGION),
    codeTtlSeconds: intOf('GOVSHARE_CODE_TTL', env.GOVSHARE_CODE_TTL, 300, 10, 86_400),
    retentionDays: intOf('GOVSHARE_RETENTION_DAYS', env.GOVSHARE_RETENTION_DAYS, 21, 1, 3650),
    role,
    hubUrl,
    hubKey: hubKeyOf(fed.hubKey ?? env.GOVSHARE_HUB_KEY),
    syncSeconds: intOf(
      'sync-seconds',
      flags.syncSeconds ?? fed.syncSeconds ?? env.GOVSHARE_SYNC_SECONDS,
      30,
      1,
      86_400,
    ),
  };
}
