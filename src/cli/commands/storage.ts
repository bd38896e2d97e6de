import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigFlags } from '../../config.js';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';

export interface StorageOpts {
  dataDir?: string;
  databaseUrl?: string;
  dbSchema?: string;
  persons?: string;
}

/** --data-dir, --database-url and --db-schema: where a node keeps its database. */
export function addDatabaseOptions(
  cmd: Command,
  dataDirHelp = 'PGlite data directory, also where the credentials file goes',
): Command {
  return cmd
    .option('--data-dir <dir>', `${dataDirHelp} (default: $GOVSHARE_DATA_DIR, else ./data)`)
    .option('--database-url <url>', 'use PostgreSQL instead of PGlite (default: $DATABASE_URL)')
    .option('--db-schema <schema>', 'PostgreSQL schema (default: $GOVSHARE_DB_SCHEMA)');
}

/** --data-dir, --database-url, --db-schema and --persons, shared by start and demo. */
export function addStorageOptions(cmd: Command): Command {
  return addDatabaseOptions(cmd).option(
    '--persons <n>',
    'people in the demo population (default: $GOVSHARE_DEMO_PERSONS, else 10000)',
  );
}

/** The node configuration from the flags over the environment; bad values are usage errors. */
export function configFrom(flags: ConfigFlags, io: Io): Config {
  try {
    return loadConfig(flags, io.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
