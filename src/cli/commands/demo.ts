import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { parseDay, parseInteger } from '../parse.js';
import { renderPairs } from '../table.js';
import { addStorageOptions, configFrom, type StorageOpts } from './storage.js';

interface DemoOpts extends StorageOpts {
  seed?: number;
  asOf?: string;
  reset?: boolean;
  json?: boolean;
}

export interface DemoSummaryView {
  persons: number;
  departments: number;
  datasets: number;
  records: number;
  credentialsFile: string;
  adminDepartment?: string;
  asOf?: string;
}

/** The human summary: counts and where the credentials are; never the tokens themselves. */
export function renderDemoSummary(s: DemoSummaryView): string {
  return (
    'demo province built\n' +
    renderPairs([
      ['departments', s.departments],
      ['datasets', s.datasets],
      ['persons', s.persons],
      ['records', s.records],
      ['as of', s.asOf],
      ['admin department', s.adminDepartment],
      ['credentials', `${s.credentialsFile} (API tokens of every department)`],
    ])
  );
}

export function registerDemo(program: Command, ctx: CliContext): void {
  const demo = program
    .command('demo')
    .description(
      'build the demo province (departments, datasets, synthetic people and records) without starting a server',
    );
  addStorageOptions(demo)
    .option('--seed <n>', 'random seed, for a reproducible province', parseInteger)
    .option('--as-of <date>', 'the day the demo data leads up to, YYYY-MM-DD (default: today)', parseDay)
    .option(
      '--reset',
      'replace the departments, datasets and records of a database that already holds some (the data standard stays)',
    )
    .option('--json', 'print the summary (tokens included) as JSON')
    .action(async (opts: DemoOpts) => {
      const config = configFrom(
        { dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, dbSchema: opts.dbSchema, persons: opts.persons },
        ctx.io,
      );
      const { runDemo } = await import('../../demo/build.js');
      const summary = await runDemo({
        config,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
        ...(opts.reset ? { reset: true } : {}),
      });
      if (opts.json) printJson(ctx.io, summary);
      else ctx.io.out(renderDemoSummary(summary));
      ctx.code = 0;
    });
}
