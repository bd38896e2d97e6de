import { Option, type Command } from 'commander';
import { CliError } from '../errors.js';
import { printJson, type CliContext } from '../io.js';
import { collectWhere, integerIn, parseList } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable, StreamingTable, type Cell, type TableLayout } from '../table.js';
import type { Correction, ListOf, RecordPage, SharedRecord } from '../types.js';
import { apiFor, noneFound, seg, type JsonOpt } from './common.js';

interface ReadOpts extends JsonOpt {
  purpose?: string;
  subject?: string;
  key?: string;
  handle?: string;
  fields?: string[];
  where?: Record<string, string>;
  limit?: number;
  after?: string;
  all?: boolean;
}

/** A data value as one table cell: text, numbers and booleans as they are, anything else as JSON. */
export function cellValue(v: unknown): Cell {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** Data field names over some records, in order of first appearance. */
export function dataFields(records: ReadonlyArray<Pick<SharedRecord, 'data'>>): string[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.data)) names.add(k);
  return [...names];
}

/** The data fields of the given records, the field names as headers, then each record's HANDLE when it has one. */
export function recordLayout(sample: readonly SharedRecord[]): TableLayout<SharedRecord> {
  const fields = dataFields(sample);
  const handles = sample.some((r) => r.handle !== undefined);
  return {
    headers: [...fields, ...(handles ? ['HANDLE'] : [])],
    row: (r) => [...fields.map((f) => cellValue(r.data[f])), ...(handles ? [r.handle ?? ''] : [])],
  };
}

export function renderRecord(r: SharedRecord): string {
  const meta = renderPairs([
    ['handle', r.handle ?? ''],
    ['version', r.version],
    ['valid from', r.validFrom],
    ['valid to', r.validTo],
    ['masked', r.masked.join(', ')],
  ]);
  return `${meta}\n${renderPairs(Object.entries(r.data).map(([k, v]) => [k, cellValue(v)]))}`;
}

export function renderCorrections(items: readonly Correction[]): string {
  return renderTable(
    ['ID', 'DATASET', 'RECORD', 'FIELD', 'STATUS', 'REPORTER', 'REPORTED', 'DESCRIPTION', 'ANSWER'],
    items.map((c) => [c.id, c.dataset, c.handle, c.field, c.status, c.reporter, c.createdAt, c.description, c.answer]),
  );
}

/**
 * The body of a records search (POST .../records/search): purpose, subject, key, fields, filters and paging. The
 * query goes in the body so that no ID number or other personal value is ever in a URL (or a request log).
 */
export function searchBody(opts: ReadOpts): Record<string, unknown> {
  const body: Record<string, unknown> = {
    purpose: opts.purpose,
    subject: opts.subject,
    key: opts.key,
    fields: opts.fields,
    where: opts.where && Object.keys(opts.where).length ? opts.where : undefined,
    limit: opts.key !== undefined ? 1 : opts.limit,
    after: opts.after,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

async function readRecords(ctx: CliContext, cmd: Command, dataset: string, opts: ReadOpts): Promise<number> {
  const api = apiFor(cmd, ctx);
  const path = `/api/v1/datasets/${seg(dataset)}/records`;
  if (opts.handle !== undefined || opts.key !== undefined) {
    const r =
      opts.handle !== undefined
        ? await api.request<SharedRecord>('GET', `${path}/${seg(opts.handle)}`, {
            query: { purpose: opts.purpose, fields: opts.fields?.join(',') },
          })
        : (await api.request<RecordPage<SharedRecord>>('POST', `${path}/search`, { json: searchBody(opts) })).items[0];
    if (r === undefined) throw new CliError(`dataset ${dataset} has no current record with this key`);
    if (opts.json) printJson(ctx.io, r);
    else ctx.io.out(renderRecord(r));
    return 0;
  }
  if (opts.all) {
    const table = new StreamingTable(recordLayout, (s) => ctx.io.out(s));
    let count = 0;
    for await (const line of api.lines('POST', `${path}/search`, {
      json: searchBody(opts),
      accept: 'application/x-ndjson, application/problem+json',
    })) {
      count += 1;
      if (opts.json) {
        ctx.io.out(`${line}\n`);
        continue;
      }
      let record: SharedRecord;
      try {
        record = JSON.parse(line) as SharedRecord;
      } catch {
        throw new CliError(`record ${count} of the answer is not JSON: ${line.slice(0, 80)}`);
      }
      table.add(record);
    }
    table.end();
    if (count === 0) noneFound(ctx, 'records');
    else if (!opts.json) ctx.io.err(`${count} record${count === 1 ? '' : 's'}\n`);
    return 0;
  }
  const page = await api.request<RecordPage<SharedRecord>>('POST', `${path}/search`, { json: searchBody(opts) });
  if (opts.json) printJson(ctx.io, page);
  else if (page.items.length === 0) noneFound(ctx, 'records');
  else {
    const layout = recordLayout(page.items);
    ctx.io.out(renderTable(layout.headers, page.items.map(layout.row)));
  }
  if (page.next !== null && !opts.json)
    ctx.io.err(`more records follow: add --after '${page.next}' for the next page, or --all for every one\n`);
  return 0;
}

export function registerRecords(program: Command, ctx: CliContext): void {
  const records = program
    .command('records')
    .description(
      'read shared records (your own, or another department’s through a grant), their history, report errors',
    );

  const read = records
    .command('read')
    .description(
      'read records of a dataset: a table of the data fields and each record’s handle (one page unless --all); every read is audited',
    )
    .argument('<dataset>', 'dataset id')
    .option('--purpose <code>', 'why you read (required unless you own the dataset; your grant must cover it)')
    .option('--subject <id>', 'only records about this person (citizen ID number; sent in the request body)')
    .addOption(
      new Option('--handle <handle>', 'one record by the handle you received (the HANDLE column)').conflicts([
        'subject',
        'key',
        'where',
        'limit',
        'after',
        'all',
      ]),
    )
    .addOption(
      new Option(
        '--key <key>',
        'the owner only: one record by its key (key fields joined with |; an ID number in clear; sent in the body)',
      ).conflicts(['subject', 'where', 'limit', 'after', 'all']),
    )
    .option('--fields <a,b>', 'only these fields', parseList)
    .option(
      '--where <field=value>',
      'only records whose (unencrypted) field has this value; repeat for several',
      collectWhere,
    )
    .option('--limit <n>', 'records per page, 1 to 1000 (default 100)', integerIn(1, 1000))
    .option('--after <cursor>', 'the page after this cursor (printed when more records follow; same query only)')
    .addOption(
      new Option('--all', 'stream every matching record (NDJSON): with --json one JSON line per record').conflicts([
        'limit',
        'after',
      ]),
    )
    .option('--json', 'print the page { items, next } (or the record) as JSON; with --all one record per line');
  read.addHelpText(
    'after',
    '\nExamples:\n  govshare records read nucleic-acid-results --purpose contact_tracing --subject 44010619880808001X\n' +
      '  govshare records history nucleic-acid-results --purpose contact_tracing -- <handle>\n' +
      '  govshare records read nucleic-acid-results --purpose epidemic_control --where result=positive --all --json > positives.ndjson',
  );
  addServerOptions(read).action(async (dataset: string, opts: ReadOpts, cmd: Command) => {
    ctx.code = await readRecords(ctx, cmd, dataset, opts);
  });

  const history = records
    .command('history')
    .description('every version of a record, and the error reports about it')
    .argument('<dataset>', 'dataset id')
    .argument('<handle>', 'the record’s handle, as a read gave it to you (put -- before a handle starting with -)')
    .option('--purpose <code>', 'why you read (required unless you own the dataset)')
    .option('--json', 'print { items, corrections } as JSON');
  addServerOptions(history).action(
    async (dataset: string, handle: string, opts: JsonOpt & { purpose?: string }, cmd: Command) => {
      const res = await apiFor(cmd, ctx).request<{ items: SharedRecord[]; corrections: Correction[] }>(
        'GET',
        `/api/v1/datasets/${seg(dataset)}/records/${seg(handle)}/history`,
        {
          query: { purpose: opts.purpose },
        },
      );
      if (opts.json) printJson(ctx.io, res);
      else {
        const fields = dataFields(res.items);
        let out = renderTable(
          ['VERSION', 'VALID FROM', 'VALID TO', ...fields],
          res.items.map((r) => [
            r.version,
            r.validFrom,
            r.validTo ?? '(current)',
            ...fields.map((f) => cellValue(r.data[f])),
          ]),
          { right: [0] },
        );
        out +=
          res.corrections.length > 0
            ? `\nerror reports\n${renderCorrections(res.corrections)}`
            : '\nno error reports\n';
        ctx.io.out(out);
      }
      ctx.code = 0;
    },
  );

  const report = records
    .command('report-error')
    .description('report a suspected error in a record you receive through a grant; its owner must answer')
    .argument('<dataset>', 'dataset id')
    .argument('<handle>', 'the record’s handle, as a read gave it to you (put -- before a handle starting with -)')
    .requiredOption('--description <text>', 'what is wrong (at least 4 characters)')
    .option('--field <name>', 'the field that is wrong')
    .option('--json', 'print the error report as JSON');
  addServerOptions(report).action(
    async (dataset: string, handle: string, opts: JsonOpt & { description: string; field?: string }, cmd: Command) => {
      const c = await apiFor(cmd, ctx).request<Correction>(
        'POST',
        `/api/v1/datasets/${seg(dataset)}/records/${seg(handle)}/corrections`,
        {
          json: { ...(opts.field !== undefined ? { field: opts.field } : {}), description: opts.description },
        },
      );
      if (opts.json) printJson(ctx.io, c);
      else ctx.io.out(`reported ${c.id} on ${c.dataset}: ${c.status}\n`);
      ctx.code = 0;
    },
  );

  const corrections = program.command('corrections').description('error reports about shared records');

  const list = corrections
    .command('list')
    .description('error reports you made or about your data (a table)')
    .addOption(
      new Option('--role <role>', 'only reports you made (reporter) or about your data (owner)').choices([
        'owner',
        'reporter',
      ]),
    )
    .addOption(new Option('--status <status>', 'only reports in this state').choices(['open', 'fixed', 'rejected']))
    .option('--dataset <id>', 'only reports about this dataset')
    .option('--json', 'print { items } as JSON');
  addServerOptions(list).action(
    async (opts: JsonOpt & { role?: string; status?: string; dataset?: string }, cmd: Command) => {
      const res = await apiFor(cmd, ctx).request<ListOf<Correction>>('GET', '/api/v1/corrections', {
        query: { role: opts.role, status: opts.status, dataset: opts.dataset },
      });
      if (opts.json) printJson(ctx.io, res);
      else if (res.items.length === 0) noneFound(ctx, 'error reports');
      else ctx.io.out(renderCorrections(res.items));
      ctx.code = 0;
    },
  );

  const answer = corrections
    .command('answer')
    .description(
      'answer an error report about your data (owner): fixed (after re-ingesting the record) or rejected, with the reason',
    )
    .argument('<id>', 'error report id')
    .addOption(new Option('--status <status>', 'the outcome').choices(['fixed', 'rejected']).makeOptionMandatory())
    .requiredOption('--answer <text>', 'what was done, or why the record is right')
    .option('--json', 'print the error report as JSON');
  addServerOptions(answer).action(
    async (id: string, opts: JsonOpt & { status: string; answer: string }, cmd: Command) => {
      const c = await apiFor(cmd, ctx).request<Correction>('POST', `/api/v1/corrections/${seg(id)}/answer`, {
        json: { status: opts.status, answer: opts.answer },
      });
      if (opts.json) printJson(ctx.io, c);
      else ctx.io.out(`error report ${c.id} ${c.status}\n`);
      ctx.code = 0;
    },
  );
}
