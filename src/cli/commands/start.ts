import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import type { CliContext } from '../io.js';
import { addStorageOptions, configFrom, type StorageOpts } from './storage.js';

export interface StartOpts extends StorageOpts {
  host?: string;
  port?: string;
  demo?: boolean;
  log?: boolean;
  region?: string;
  role?: string;
  hub?: string;
  syncSeconds?: string;
  federationConfig?: string;
}

/** The parsed options as loadConfig flags; what was not given stays undefined so the environment can decide. */
export function startFlags(opts: StartOpts): ConfigFlags {
  return {
    host: opts.host,
    port: opts.port,
    dataDir: opts.dataDir,
    databaseUrl: opts.databaseUrl,
    dbSchema: opts.dbSchema,
    persons: opts.persons,
    // --demo and --no-demo are both declared, so commander leaves demo undefined when neither is given.
    demo: opts.demo,
    log: opts.log === true ? true : undefined,
    region: opts.region,
    role: opts.role,
    hubUrl: opts.hub,
    syncSeconds: opts.syncSeconds,
    federationConfig: opts.federationConfig,
  };
}

/** Resolves at the first SIGINT or SIGTERM; a second signal then gets Node's default (immediate exit). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerStart(program: Command, ctx: CliContext): void {
  const start = program
    .command('start')
    .description('run a govshare node (HTTP API and docs) until Ctrl-C / SIGTERM')
    .option('--host <host>', 'address to listen on (default: $HOST, else 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default: $PORT, else 8080)');
  addStorageOptions(start)
    .option(
      '--demo',
      'build the demo province on an empty database even on PostgreSQL (default: $GOVSHARE_DEMO=1, else only on PGlite)',
    )
    .option('--no-demo', 'do not build the demo province on an empty database (GOVSHARE_DEMO=0 does the same)')
    .option('--log', 'log requests (default: $GOVSHARE_LOG=1)')
    .option(
      '--role <role>',
      'federation role: hub (the nation), region (a province or city node) or standalone (default: $GOVSHARE_ROLE, else standalone)',
    )
    .option('--hub <url>', 'the hub’s URL, for a region node (default: $GOVSHARE_HUB_URL)')
    .option(
      '--sync-seconds <n>',
      'how often a region fetches the national trust list (default: $GOVSHARE_SYNC_SECONDS, else 30)',
    )
    .option(
      '--federation-config <file>',
      'a JSON file with { role, region, hub, syncSeconds } (default: $GOVSHARE_FEDERATION_CONFIG)',
    )
    .option(
      '--region <code>',
      'the node’s GB/T 2260 region: issuer of its health codes, picks its rule set (default: $GOVSHARE_REGION, else 440000)',
    )
    .action(async (opts: StartOpts) => {
      const config = configFrom(startFlags(opts), ctx.io);
      const { startNode } = await import('../../node/start.js');
      const node = await startNode(config, (line) => ctx.io.out(`${line}\n`));
      const signal = await untilSignal();
      ctx.io.err(`govshare: ${signal}, stopping ${node.url}\n`);
      await node.close();
      ctx.code = 0;
    });
}
