import type { Command } from 'commander';
import { chinaTime } from '../format.js';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderTable } from '../table.js';
import type { DepartmentSharing } from '../types.js';
import { apiFor, noneFound, type JsonOpt } from './common.js';

interface SharingReport {
  generatedAt: string;
  departments: DepartmentSharing[];
}

const HEADERS = [
  'DEPARTMENT',
  'DATASETS',
  'RECORDS',
  'READ BY OTHERS',
  'CONSUMED',
  'REQ MADE',
  'REQ RECEIVED',
  'ANSWERED',
  'MEDIAN ANSWER H',
  'OVERDUE',
];

/** The mutual benefit report: one row per department, what it gives and what it gets. */
export function renderSharingReport(r: SharingReport): string {
  const rows = r.departments.map((d) => [
    d.department,
    d.datasets,
    d.recordsContributed,
    d.recordsReadByOthers,
    d.recordsConsumed,
    d.requestsMade,
    d.requestsReceived,
    d.requestsAnswered,
    d.medianAnswerHours === null ? '-' : d.medianAnswerHours.toFixed(1),
    d.overdue,
  ]);
  return `sharing report (mutual benefit), generated ${chinaTime(r.generatedAt)}\n\n${renderTable(HEADERS, rows, { right: [1, 2, 3, 4, 5, 6, 7, 8, 9] })}`;
}

const COLUMNS = `
Columns: DATASETS it owns; RECORDS it contributes (current records in them); READ BY OTHERS: records of
its data other departments read; CONSUMED: records of others' data it read; REQ MADE / REQ RECEIVED:
sharing requests it made / received; ANSWERED: conditional requests it decided; MEDIAN ANSWER H: median
hours to answer; OVERDUE: requests for its data past their deadline, unanswered.`;

export function registerReport(program: Command, ctx: CliContext): void {
  const report = program.command('report').description('reports');
  const sharing = report
    .command('sharing')
    .description(
      'the mutual benefit report: what each department gives and gets through sharing (a table, one row per department)',
    )
    .option('--json', 'print { generatedAt, departments } as JSON');
  sharing.addHelpText('after', COLUMNS);
  addServerOptions(sharing).action(async (opts: JsonOpt, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<SharingReport>('GET', '/api/v1/reports/sharing');
    if (opts.json) printJson(ctx.io, r);
    else if (r.departments.length === 0) noneFound(ctx, 'departments');
    else ctx.io.out(renderSharingReport(r));
    ctx.code = 0;
  });
}
