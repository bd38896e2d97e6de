import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { CliError } from '../errors.js';
import { printJson, type CliContext } from '../io.js';
import { integerIn } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs } from '../table.js';
import type { ProvenEntry, TreeHead, VerifyReport } from '../types.js';
import { apiFor, type JsonOpt } from './common.js';
import { inclusionProblem } from './proof.js';
import { readWitnessHeads, witnessProblems } from './witness.js';
import { addDatabaseOptions, configFrom, type StorageOpts } from './storage.js';

export function renderTreeHead(h: TreeHead): string {
  return renderPairs([
    ['tree size', h.treeSize],
    ['root', h.root],
    ['signed at', h.time],
    ['key id', h.kid],
    ['signature', h.signature],
  ]);
}

export function renderVerifyReport(r: VerifyReport): string {
  let out = renderPairs([
    ['ledger', r.ok ? 'ok: every entry and signed tree head verifies' : 'DOES NOT VERIFY'],
    ['tree size', r.treeSize],
    ['entries checked', r.entriesChecked],
    ['tree heads checked', r.headsChecked],
    ['first bad entry', r.firstBadEntry ?? 'none'],
  ]);
  if (r.problems.length > 0) out += `problems:\n${r.problems.map((p) => `  ${p.replace(/[\r\n]+/g, ' ')}\n`).join('')}`;
  return out;
}

/** Why local verification cannot open an embedded database another process holds. */
export function inUseMessage(dir: string): string {
  return (
    `the data directory ${dir} is in use by a running govshare node (it holds postmaster.pid), and PGlite allows one process at a time\n` +
    'govshare: verify through the server instead: govshare audit verify --remote --token <administrator token>; or stop the server first\n' +
    `govshare: (a server that crashed leaves the file behind: if no govshare process uses ${dir}, delete ${join(dir, 'postmaster.pid')})`
  );
}

interface VerifyOpts extends StorageOpts, JsonOpt {
  remote?: boolean;
  head?: string;
}

/** Opens the node's database (PGlite data directory or PostgreSQL) in this process and recomputes the ledger. */
async function verifyLocally(ctx: CliContext, opts: VerifyOpts, witness: TreeHead[]): Promise<VerifyReport> {
  const config = configFrom({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, dbSchema: opts.dbSchema }, ctx.io);
  const embedded = config.databaseUrl === undefined;
  if (embedded) {
    if (!existsSync(join(config.dataDir, 'PG_VERSION')))
      throw new CliError(
        `no govshare database in ${config.dataDir}; give the node's --data-dir (or --database-url for PostgreSQL)`,
      );
    if (existsSync(join(config.dataDir, 'postmaster.pid'))) throw new CliError(inUseMessage(config.dataDir));
  }
  const { openDatabase } = await import('../../db/open.js');
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(
      embedded
        ? `cannot open the database in ${config.dataDir}: ${why}\ngovshare: if a govshare server is using it, stop the server or verify through it with --remote`
        : `cannot open the PostgreSQL database: ${why}`,
    );
  }
  try {
    const { verifyLedger } = await import('../../audit/verify.js');
    return await verifyLedger(db, undefined, witness);
  } finally {
    await db.close();
  }
}

const VERIFY_HELP = `
Without --remote the command opens the node's database itself (like govshare demo):
no server and no token are needed. The embedded database (PGlite) allows one process
at a time, so stop the server before verifying its --data-dir locally, or verify
through the running server with --remote (administrator token).
--head gives back signed tree heads a witness kept (docs/audit.md): locally each is
checked like a stored head and entries deleted after it are named; with --remote the
node's current head must extend each of them (consistency proof, checked here).
Exit status 1 when the ledger does not verify.`;

export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('the tamper-evident audit ledger: signed tree heads, entries with proofs, verification');

  const head = audit
    .command('head')
    .description('the latest signed tree head (public)')
    .option('--json', 'print the tree head as JSON');
  addServerOptions(head).action(async (opts: JsonOpt, cmd: Command) => {
    const h = await apiFor(cmd, ctx).request<TreeHead>('GET', '/api/v1/audit/tree-head');
    if (opts.json) printJson(ctx.io, h);
    else ctx.io.out(renderTreeHead(h));
    ctx.code = 0;
  });

  const sign = audit
    .command('sign')
    .description('sign a tree head over the ledger as it is now (administrator)')
    .option('--json', 'print the tree head as JSON');
  addServerOptions(sign).action(async (opts: JsonOpt, cmd: Command) => {
    const h = await apiFor(cmd, ctx).request<TreeHead>('POST', '/api/v1/audit/tree-heads');
    if (opts.json) printJson(ctx.io, h);
    else ctx.io.out(renderTreeHead(h));
    ctx.code = 0;
  });

  const entry = audit
    .command('entry')
    .description('one audit entry with its inclusion proof, which is checked here (exit 1 when it does not verify)')
    .argument('<seq>', 'entry sequence number (from 0)', integerIn(0, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print the entry and proof as JSON, with verified: true|false');
  addServerOptions(entry).action(async (seq: number, opts: JsonOpt, cmd: Command) => {
    const p = await apiFor(cmd, ctx).request<ProvenEntry>('GET', `/api/v1/audit/entries/${seq}`);
    const problem = inclusionProblem(p);
    if (opts.json) printJson(ctx.io, { ...p, verified: problem === null });
    else {
      let text: string;
      try {
        text = JSON.stringify(JSON.parse(p.entry), null, 2);
      } catch {
        text = p.entry;
      }
      const pairs = renderPairs([
        ['seq', p.seq],
        ['leaf hash', p.leafHash],
        ['tree size', p.treeHead.treeSize],
        ['root', p.treeHead.root],
        ['signed at', p.treeHead.time],
        ['inclusion', problem === null ? 'verified' : `FAILED: ${problem}`],
        ['proof', `${p.proof.length} hash${p.proof.length === 1 ? '' : 'es'}, from the leaf up`],
      ]);
      ctx.io.out(`${pairs}${p.proof.map((h) => `  ${h}\n`).join('')}\n${text}\n`);
    }
    if (problem !== null) ctx.io.err(`govshare: entry ${p.seq}: ${problem}\n`);
    ctx.code = problem === null ? 0 : 1;
  });

  const verify = audit
    .command('verify')
    .description(
      "recompute the whole ledger from the node's database and check every signed tree head (exit 1 when it does not verify)",
    );
  addDatabaseOptions(verify, 'PGlite data directory of the node (the server must be stopped)')
    .addOption(
      new Option(
        '--remote',
        'ask the running server to verify instead (POST /api/v1/audit/verify, administrator token)',
      ).conflicts(['dataDir', 'databaseUrl', 'dbSchema']),
    )
    .option(
      '--head <file>',
      "signed tree heads kept by a witness: a JSON head (as govshare audit head --json prints it) or an array of heads ('-' for standard input)",
    )
    .option('--json', 'print { ok, treeSize, entriesChecked, headsChecked, firstBadEntry, problems } as JSON');
  verify.addHelpText('after', VERIFY_HELP);
  addServerOptions(verify).action(async (opts: VerifyOpts, cmd: Command) => {
    const witness = opts.head !== undefined ? await readWitnessHeads(ctx.io, opts.head) : [];
    let report: VerifyReport;
    if (opts.remote) {
      const api = apiFor(cmd, ctx);
      report = await api.request<VerifyReport>('POST', '/api/v1/audit/verify');
      const more = await witnessProblems(api, witness);
      report = {
        ...report,
        ok: report.ok && more.length === 0,
        headsChecked: report.headsChecked + witness.length,
        problems: [...report.problems, ...more],
      };
    } else report = await verifyLocally(ctx, opts, witness);
    if (opts.json) printJson(ctx.io, report);
    else ctx.io.out(renderVerifyReport(report));
    if (!report.ok) {
      ctx.io.err(
        `govshare: the audit ledger does not verify${report.firstBadEntry !== null ? `: entry ${report.firstBadEntry} was changed or deleted` : ''}\n`,
      );
    }
    ctx.code = report.ok ? 0 : 1;
  });
}
