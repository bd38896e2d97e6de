import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerCatalog } from './commands/catalog.js';
import { registerDemo } from './commands/demo.js';
import { registerDepartments } from './commands/departments.js';
import { registerElements } from './commands/elements.js';
import { registerInit } from './commands/init.js';
import { registerIngest } from './commands/ingest.js';
import { registerKeys } from './commands/keys.js';
import { registerPersons } from './commands/persons.js';
import { registerRecords } from './commands/records.js';
import { registerReport } from './commands/report.js';
import { registerSharing } from './commands/sharing.js';
import { registerStart } from './commands/start.js';
import { registerAppeals } from './commands/appeals.js';
import { registerCode } from './commands/code.js';
import { registerHealth } from './commands/health.js';
import { registerFederation } from './commands/federation.js';
import { registerRetention } from './commands/retention.js';
import { registerRiskAreas } from './commands/risk-areas.js';
import { registerRules } from './commands/rules.js';
import { CliError } from './errors.js';
import type { CliContext, Io } from './io.js';
import { addServerOptions } from './server-options.js';

function version(): string {
  try {
    // src/cli and dist/cli are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const EXIT_HELP = `
Server options (--url, --token, --lang) go after the command, or before it:
  govshare catalog list --url http://host:8080      govshare --url http://host:8080 catalog list

Exit status: 0 success; 1 error (API error, unreachable server, invalid value,
refused ingest batch, an audit ledger or proof that does not verify); 2 bad usage
(unknown command or option, missing argument).`;

/** The command tree. Settings made on the root before the commands are added are inherited by all of them. */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command('govshare')
    .description('govshare: government data sharing — catalog, data standard, ingest, sharing, audit')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`govshare: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)');
  addServerOptions(program);
  program.addHelpText('after', EXIT_HELP);

  registerStart(program, ctx);
  registerInit(program, ctx);
  registerDemo(program, ctx);
  registerIngest(program, ctx);
  registerCatalog(program, ctx);
  registerDepartments(program, ctx);
  registerElements(program, ctx);
  registerSharing(program, ctx);
  registerRecords(program, ctx);
  registerReport(program, ctx);
  registerAudit(program, ctx);
  registerPersons(program, ctx);
  registerKeys(program, ctx);
  registerRules(program, ctx);
  registerRiskAreas(program, ctx);
  registerHealth(program, ctx);
  registerCode(program, ctx);
  registerAppeals(program, ctx);
  registerRetention(program, ctx);
  registerFederation(program, ctx);
  return program;
}

/** Prints an error the way every command does and returns its exit code. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander has printed its message
  if (err instanceof CliError) {
    io.err(`govshare: ${err.message}\n`);
    return err.exitCode;
  }
  io.err(`govshare: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

/** Runs the CLI on the user's arguments (without node and script) and returns the exit code. */
export async function run(args: readonly string[], io: Io): Promise<number> {
  const ctx: CliContext = { io, code: 0 };
  try {
    await buildProgram(ctx).parseAsync([...args], { from: 'user' });
    return ctx.code;
  } catch (err) {
    return reportError(io, err);
  }
}
