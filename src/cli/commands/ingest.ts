import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import type { Body } from '../api.js';
import { ApiError, CliError, formatProblem, type ProblemBody } from '../errors.js';
import { CONTENT_TYPES, detectFormat, FORMATS } from '../format.js';
import { printJson, type CliContext, type Io } from '../io.js';
import { addServerOptions } from '../server-options.js';
import type { Format, Receipt, RejectedRow, RejectsPage } from '../types.js';
import { apiFor, seg, type JsonOpt } from './common.js';
import { formatReject, isReceipt, renderReceipt } from './ingest-output.js';

interface IngestOpts extends JsonOpt {
  format?: string;
  profile?: string;
  atomic?: boolean;
}

const REJECTS_PAGE = 10_000;

async function checkFile(file: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
  if (!isFile) throw new CliError(`not a file: ${file}`);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** The upload body: CSV and NDJSON are streamed, never held in memory; JSON is read whole (the server takes at most 64 MiB). */
async function bodyOf(io: Io, file: string, format: Format): Promise<Body> {
  if (file !== '-') await checkFile(file);
  if (format === 'json') return file === '-' ? await readAll(io.stdin) : await readFile(file);
  const source = file === '-' ? io.stdin : createReadStream(file);
  return Readable.toWeb(source) as unknown as Body;
}

async function ingestFile(
  ctx: CliContext,
  cmd: Command,
  dataset: string,
  file: string,
  opts: IngestOpts,
): Promise<number> {
  const format = detectFormat(file, opts.format);
  const api = apiFor(cmd, ctx);
  const body = await bodyOf(ctx.io, file, format);
  let receipt: Receipt;
  let problem: ProblemBody | undefined;
  try {
    receipt = await api.request<Receipt>('POST', `/api/v1/datasets/${seg(dataset)}/records`, {
      query: { profile: opts.profile, atomic: opts.atomic ? 'true' : undefined },
      body,
      contentType: CONTENT_TYPES[format],
    });
  } catch (err) {
    if (!(err instanceof ApiError) || !isReceipt(err.problem.receipt)) throw err;
    receipt = err.problem.receipt;
    problem = err.problem;
  }
  if (opts.json) printJson(ctx.io, receipt);
  else ctx.io.out(renderReceipt(receipt));
  if (problem) {
    ctx.io.err(`govshare: ${formatProblem(problem)}\n`);
    return 1;
  }
  if (receipt.status !== 'committed') {
    ctx.io.err(`govshare: batch ${receipt.batchId} ${receipt.status}; nothing was stored\n`);
    return 1;
  }
  if (receipt.rowsAccepted === 0) {
    ctx.io.err(`govshare: ${file === '-' ? 'standard input' : file} held no data rows; nothing was stored\n`);
    return 1;
  }
  return 0;
}

async function listRejects(ctx: CliContext, cmd: Command, batchId: string, opts: JsonOpt): Promise<number> {
  const api = apiFor(cmd, ctx);
  const items: RejectedRow[] = [];
  let total = 0;
  for (;;) {
    const offset = items.length;
    const page = await api.request<RejectsPage>('GET', `/api/v1/ingest/batches/${seg(batchId)}/rejects`, {
      query: { limit: REJECTS_PAGE, offset: offset > 0 ? offset : undefined },
    });
    total = page.total;
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= total) break;
  }
  if (opts.json) {
    printJson(ctx.io, { total, items });
    return 0;
  }
  if (items.length === 0) ctx.io.err(`batch ${batchId} has no rejected rows\n`);
  ctx.io.out(items.map((r) => `${formatReject(r)}\n`).join(''));
  return 0;
}

export function registerIngest(program: Command, ctx: CliContext): void {
  const ingest = program
    .command('ingest')
    .description(
      'push records into a dataset from a CSV, NDJSON or JSON file (streamed); `ingest rejects` lists the rejected rows of a batch',
    )
    .usage('[options] <dataset> <file>\n       govshare ingest rejects [options] <batchId>')
    .helpCommand(false)
    .argument('<dataset>', 'id of a dataset your department owns')
    .argument('<file>', 'file to upload, or - for standard input')
    .addOption(
      new Option(
        '--format <format>',
        'csv, ndjson or json (default: from the extension .csv, .ndjson/.jsonl, .json)',
      ).choices(FORMATS),
    )
    .option('--profile <name>', 'mapping profile translating local columns and codes')
    .option('--atomic', 'all or nothing: store no row if any row is rejected')
    .option('--json', 'print the receipt as JSON');
  addServerOptions(ingest);
  ingest.addHelpText(
    'after',
    `
Exit status: 0 when the batch was committed and at least one row stored (some rows may
have been rejected); 1 when the batch was refused (HTTP 422: atomic batch with a bad
row, or every row rejected) or any other error; 2 for bad usage.

Examples:
  govshare ingest gd-cdc-cases cases.csv --token gst_...
  zcat big.ndjson.gz | govshare ingest gd-cdc-cases - --format ndjson --atomic
  govshare ingest rejects <batchId> --json`,
  );
  ingest.action(async (dataset: string, file: string, opts: IngestOpts, cmd: Command) => {
    ctx.code = await ingestFile(ctx, cmd, dataset, file, opts);
  });

  const rejects = ingest
    .command('rejects')
    .description('every rejected row of an ingest batch')
    .argument('<batchId>', 'batch id from an ingest receipt')
    .option('--json', 'print { total, items } as JSON');
  addServerOptions(rejects);
  rejects.action(async (batchId: string, opts: JsonOpt, cmd: Command) => {
    ctx.code = await listRejects(ctx, cmd, batchId, opts);
  });
}
