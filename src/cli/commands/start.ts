import type { Command } from 'commander';
import type { ConfigFlags } from '../../config.js';
import type { CliContext } from '../io.js';
import { guardSignals, shutdownSecondsOf } from '../shutdown.js';
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
  shutdownSeconds?: string;
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
    .option(
      '--shutdown-seconds <n>',
      'on SIGTERM or SIGINT, how long in-flight requests and workers may take to finish before the node stops anyway (default: $GOVSHARE_SHUTDOWN_SECONDS, else 25)',
    )
    .action(async (opts: StartOpts) => {
      const config = configFrom(startFlags(opts), ctx.io);
      const seconds = shutdownSecondsOf(opts.shutdownSeconds, ctx.io.env);
      // From here on a signal stops the node in order (cli/shutdown.ts), before it listens too.
      const guard = guardSignals({ boundMs: seconds * 1000, err: (t) => ctx.io.err(t) });
      const { startNode } = await import('../../node/start.js');
      let node: Awaited<ReturnType<typeof startNode>>;
      try {
        node = await startNode(config, (line) => ctx.io.out(`${line}\n`), { signal: guard.signal });
      } catch (err) {
        guard.dispose();
        if (!guard.signal.aborted) throw err;
        ctx.io.err(`govshare: ${await guard.first} before listening; stopped, the data is closed\n`);
        ctx.code = 0;
        return;
      }
      const signal = await guard.first;
      ctx.io.err(`govshare: ${signal}, stopping ${node.url} (waiting up to ${seconds} s for requests in flight)\n`);
      const outcome = await node.shutdown(seconds * 1000);
      guard.dispose({ keepLastResort: outcome === 'forced' });
      if (outcome === 'forced') {
        ctx.io.err(`govshare: stopped after ${seconds} s with work unfinished (cut short)\n`);
        ctx.code = 1;
      } else ctx.code = 0;
    });
}
