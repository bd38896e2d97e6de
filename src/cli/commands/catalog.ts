import { Option, type Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions, serverFor } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { Dataset, Page } from '../types.js';
import { apiFor, loc, noneFound, seg, type JsonOpt } from './common.js';

interface FilterOpts extends JsonOpt {
  owner?: string;
  class?: string;
  element?: string;
  region?: string;
}

const LIMIT = 500;

function addFilters(cmd: Command): Command {
  addServerOptions(
    cmd
      .option('--owner <id>', 'only datasets of this department')
      .addOption(
        new Option('--class <class>', 'only this sharing class').choices([
          'unconditional',
          'conditional',
          'not_shared',
        ]),
      )
      .option('--element <code>', 'only datasets with a field of this standard element')
      .option('--region <code>', 'only datasets covering this division code (or a code under it)')
      .option('--json', 'print { total, items } as JSON'),
  );
  return cmd;
}

async function list(ctx: CliContext, cmd: Command, words: string[], opts: FilterOpts): Promise<number> {
  const api = apiFor(cmd, ctx);
  const page = await api.request<Page<Dataset>>('GET', '/api/v1/datasets', {
    query: {
      q: words.join(' ').trim(),
      owner: opts.owner,
      sharingClass: opts.class,
      element: opts.element,
      region: opts.region,
      limit: LIMIT,
    },
  });
  if (opts.json) {
    printJson(ctx.io, page);
    return 0;
  }
  if (page.items.length === 0) {
    noneFound(ctx, 'datasets');
    return 0;
  }
  const lang = api.server.lang;
  ctx.io.out(
    renderTable(
      ['ID', 'OWNER', 'SHARING', 'RECORDS', 'TITLE'],
      page.items.map((d) => [d.id, d.owner, d.sharingClass, d.recordCount, loc(d.title, lang)]),
      { right: [3] },
    ),
  );
  if (page.total > page.items.length)
    ctx.io.err(`showing ${page.items.length} of ${page.total} datasets; narrow the search\n`);
  return 0;
}

export function renderDataset(d: Dataset, lang: string): string {
  const pairs: Array<[string, string | number | null]> = [
    ['id', d.id],
    ['title', loc(d.title, lang)],
    ['description', loc(d.description, lang)],
    ['owner', d.owner],
    ['sharing class', d.sharingClass],
    ['legal basis', d.legalBasis],
    ['open', d.open ? 'yes' : 'no'],
    ['update frequency', d.updateFrequency],
    [
      'coverage',
      [d.coverage.region, d.coverage.start && `from ${d.coverage.start}`, d.coverage.end && `to ${d.coverage.end}`]
        .filter(Boolean)
        .join(' '),
    ],
    ['key', d.key.join(', ')],
    ['subject field', d.subjectField],
    ['keywords', d.keywords.join(', ')],
    ['version', d.version],
    ['records', d.recordCount],
    ['last ingest', d.lastIngestAt],
    ['updated', d.updatedAt],
  ];
  const keys = new Set(d.key);
  const fields = renderTable(
    ['NAME', 'ELEMENT', 'REQUIRED', 'KEY'],
    d.fields.map((f) => [f.name, f.element, f.required ? 'yes' : 'no', keys.has(f.name) ? 'yes' : 'no']),
  );
  return `${renderPairs(pairs)}\n${fields}`;
}

export function registerCatalog(program: Command, ctx: CliContext): void {
  const catalog = program.command('catalog').description('browse the data catalog');

  addFilters(
    catalog.command('list').description('list datasets (a table of id, owner, sharing class, records, title)'),
  ).action(async (opts: FilterOpts, cmd: Command) => {
    ctx.code = await list(ctx, cmd, [], opts);
  });

  addFilters(
    catalog
      .command('search')
      .description('find datasets by words in their id, titles, descriptions and keywords')
      .argument('<words...>', 'words to look for'),
  ).action(async (words: string[], opts: FilterOpts, cmd: Command) => {
    ctx.code = await list(ctx, cmd, words, opts);
  });

  const show = catalog
    .command('show')
    .description("one dataset's metadata and fields")
    .argument('<dataset>', 'dataset id')
    .option('--json', 'print the dataset as JSON');
  addServerOptions(show).action(async (id: string, opts: JsonOpt, cmd: Command) => {
    const d = await apiFor(cmd, ctx).request<Dataset>('GET', `/api/v1/datasets/${seg(id)}`);
    if (opts.json) printJson(ctx.io, d);
    else ctx.io.out(renderDataset(d, serverFor(cmd, ctx.io).lang));
    ctx.code = 0;
  });
}
