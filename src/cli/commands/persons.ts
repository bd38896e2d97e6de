import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { integerIn } from '../parse.js';
import { addServerOptions, serverFor } from '../server-options.js';
import { renderTable } from '../table.js';
import type { AccessLogItem, ListOf, PersonToken, SharedRecord } from '../types.js';
import { registerMyAppeals } from './appeals.js';
import { apiFor, noneFound, type JsonOpt } from './common.js';
import { accessLogProblem, personTokenSubject } from './proof.js';
import { recordLayout } from './records.js';

const PERSON_TOKEN = 'person token, gsp_... (govshare person token)';

/** The access-log table; with `verdicts` a VERIFIED column, one verdict per item. */
export function renderAccessLog(items: readonly AccessLogItem[], verdicts?: ReadonlyArray<string | null>): string {
  const headers = ['TIME', 'DEPARTMENT', 'ACTION', 'OUTCOME', 'DATASET', 'PURPOSE', 'FIELDS', 'SEQ'];
  const rows = items.map((e, i) => {
    const row = [e.time, e.department, e.action, e.outcome, e.dataset, e.purpose, e.fields.join(','), e.seq];
    if (!verdicts) return row;
    const why = verdicts[i] ?? null;
    return [...row, why === null ? 'verified' : `FAILED: ${why}`];
  });
  return renderTable(verdicts ? [...headers, 'PROOF'] : headers, rows, { right: [7] });
}

interface MeRecords {
  dataset: string;
  records: SharedRecord[];
}

export function registerPersons(program: Command, ctx: CliContext): void {
  const person = program.command('person').description('people (data subjects) and their tokens');
  const token = person
    .command('token')
    .description(
      'issue a person token (administrator, standing in for an identity provider); the token is printed once, alone on stdout',
    )
    .argument('<citizenId>', 'the person’s citizen ID number (18 characters)')
    .option('--ttl <minutes>', 'how long the token lasts, 1 to 1440 minutes (default 60)', integerIn(1, 1440))
    .option(
      '--capture-identity',
      'also keep (encrypted, audited) whose ID number this is, so a region node can ask the person’s home region for their status',
    )
    .option('--json', 'print { token, subject, expiresAt } as JSON');
  addServerOptions(token).action(
    async (citizenId: string, opts: JsonOpt & { ttl?: number; captureIdentity?: boolean }, cmd: Command) => {
      const t = await apiFor(cmd, ctx).request<PersonToken>('POST', '/api/v1/persons/tokens', {
        json: {
          citizenId,
          ...(opts.ttl !== undefined ? { ttlMinutes: opts.ttl } : {}),
          ...(opts.captureIdentity ? { captureIdentity: true } : {}),
        },
      });
      if (opts.json) printJson(ctx.io, t);
      else {
        ctx.io.out(`${t.token}\n`);
        ctx.io.err(
          `person token for subject ${t.subject}, expires ${t.expiresAt}: shown once; use it with govshare me --token\n`,
        );
      }
      ctx.code = 0;
    },
  );

  const me = program.command('me').description('your own data and who accessed it (with a person token)');

  const log = me
    .command('access-log')
    .description(
      'every access to your data: who, when, why, which fields (a table); --verify checks each entry’s inclusion proof here',
    )
    .option(
      '--verify',
      'check every entry’s inclusion proof against its signed tree head, and that it names you, locally; exit 1 if any fails',
    )
    .option('--json', 'print { items } as JSON (with --verify each item gets verified: true|false)');
  addServerOptions(log, PERSON_TOKEN).action(async (opts: JsonOpt & { verify?: boolean }, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<ListOf<AccessLogItem>>('GET', '/api/v1/me/access-log');
    const subject = personTokenSubject(serverFor(cmd, ctx.io).token);
    const verdicts = opts.verify ? res.items.map((e) => accessLogProblem(e, subject)) : undefined;
    if (opts.json)
      printJson(
        ctx.io,
        verdicts ? { ...res, items: res.items.map((e, i) => ({ ...e, verified: verdicts[i] === null })) } : res,
      );
    else if (res.items.length === 0) noneFound(ctx, 'accesses to your data');
    else ctx.io.out(renderAccessLog(res.items, verdicts));
    const failed = verdicts?.filter((v) => v !== null).length ?? 0;
    if (failed > 0) ctx.io.err(`govshare: ${failed} of ${res.items.length} entries do not verify\n`);
    else if (verdicts && res.items.length > 0)
      ctx.io.err(
        `all ${res.items.length} entries verified against tree head ${res.items[0]!.treeHead.treeSize}${subject !== undefined ? ', each naming you' : ''}\n`,
      );
    ctx.code = failed > 0 ? 1 : 0;
  });

  const records = me
    .command('records')
    .description('your own current records across datasets, in clear')
    .option('--json', 'print { items: [{ dataset, records }] } as JSON');
  addServerOptions(records, PERSON_TOKEN).action(async (opts: JsonOpt, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<ListOf<MeRecords>>('GET', '/api/v1/me/records');
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'records about you');
    else {
      const blocks = res.items.map((g) => {
        const layout = recordLayout(g.records);
        return `${g.dataset} (${g.records.length} record${g.records.length === 1 ? '' : 's'})\n${renderTable(layout.headers, g.records.map(layout.row))}`;
      });
      ctx.io.out(blocks.join('\n'));
    }
    ctx.code = 0;
  });

  registerMyAppeals(me, ctx, PERSON_TOKEN);
}
