import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import { apiFor, type JsonOpt } from './common.js';

interface PurgeResult {
  cutoff: string;
  datasets: { dataset: string; deleted: number }[];
  codeScans: number;
}

interface RetentionStatus {
  retentionDays: number;
  cutoff: string;
  datasets: { dataset: string; timeFields: string[] }[];
  lastPurge: (PurgeResult & { at: string; auditSeq: number }) | null;
}

const total = (r: PurgeResult): number => r.datasets.reduce((n, d) => n + d.deleted, 0);

/** `retention purge`: the cutoff, then what was deleted per dataset and from the code-scan log. */
export function renderPurge(r: PurgeResult): string {
  const rows = [...r.datasets.map((d) => [d.dataset, d.deleted] as const), ['code scans', r.codeScans] as const];
  return `deleted everything dated before ${r.cutoff}: ${total(r)} record versions, ${r.codeScans} code scans\n${renderTable(['DATASET', 'DELETED'], rows, { right: [1] })}`;
}

/** `retention status`: the window and the last purge. */
export function renderRetentionStatus(s: RetentionStatus): string {
  const last = s.lastPurge;
  return renderPairs([
    ['window', `${s.retentionDays} days`],
    ['cutoff now', s.cutoff],
    [
      'datasets',
      s.datasets.length > 0 ? s.datasets.map((d) => `${d.dataset} (${d.timeFields.join(', ')})`).join('; ') : '(none)',
    ],
    ['last purge', last ? last.at : 'never'],
    ['last cutoff', last?.cutoff ?? null],
    ['last deleted', last ? `${total(last)} record versions, ${last.codeScans} code scans` : null],
    ['audit entry', last ? last.auditSeq : null],
  ]);
}

export function registerRetention(program: Command, ctx: CliContext): void {
  const retention = program
    .command('retention')
    .description('delete venue scans, checkpoint scans and itineraries after the retention window (administrator)');

  const purge = retention
    .command('purge')
    .description('delete everything older than the window now (server clock); prints what was deleted per dataset')
    .option('--json', 'print { cutoff, datasets, codeScans } as JSON');
  addServerOptions(purge).action(async (opts: JsonOpt, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<PurgeResult>('POST', '/api/v1/admin/retention/purge');
    if (opts.json) printJson(ctx.io, r);
    else ctx.io.out(renderPurge(r));
    ctx.code = 0;
  });

  const status = retention
    .command('status')
    .description('the window, the datasets it covers and the last purge')
    .option('--json', 'print the status as JSON');
  addServerOptions(status).action(async (opts: JsonOpt, cmd: Command) => {
    const s = await apiFor(cmd, ctx).request<RetentionStatus>('GET', '/api/v1/admin/retention');
    if (opts.json) printJson(ctx.io, s);
    else ctx.io.out(renderRetentionStatus(s));
    ctx.code = 0;
  });
}
