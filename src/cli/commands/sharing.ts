import { InvalidArgumentError, Option, type Command } from 'commander';
import { chinaTime } from '../format.js';
import { printJson, type CliContext } from '../io.js';
import { collectList, parseInstant, parseList, parseUntil } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable, type Cell } from '../table.js';
import type { ListOf, Purpose, ShareRequest } from '../types.js';
import { registerCalendar } from './calendar.js';
import { apiFor, loc, noneFound, seg, type JsonOpt } from './common.js';

const STATUSES = ['pending', 'granted', 'refused', 'revoked', 'withdrawn', 'expired'];

/** A GB/T 2260 division code prefix: 2 to 6 digits. */
export function parseDivisionPrefix(value: string): string {
  if (!/^[0-9]{2,6}$/.test(value))
    throw new InvalidArgumentError('Must be 2 to 6 digits of a division code (GB/T 2260), e.g. 4401.');
  return value;
}

/** The status, marked when an answer is overdue. */
export const statusText = (r: Pick<ShareRequest, 'status' | 'overdue'>): string =>
  r.overdue ? `${r.status} (OVERDUE)` : r.status;

/** Why a deadline counted weekends only: it runs past the years the working-day calendar covers. */
export const WEEKENDS_ONLY_NOTE =
  'counted skipping weekends only: it runs past the years the official working-day calendar covers (an administrator adds a year with PUT /api/v1/admin/calendar/{year})';

/** When the owner must answer, in China time, saying when the official calendar could not be used. */
export function deadlineText(r: Pick<ShareRequest, 'deadline' | 'deadlineCalendar'>): string {
  if (r.deadline === null) return '';
  return `${chinaTime(r.deadline)}${r.deadlineCalendar === 'weekends-only' ? ` (${WEEKENDS_ONLY_NOTE})` : ''}`;
}

/** An event detail's value: instants in China time, other text as is, the rest as JSON. */
const detailValue = (v: unknown): string => (typeof v === 'string' ? chinaTime(v) : JSON.stringify(v));

/** `k=v` pairs of an event's detail, values other than text as JSON. */
function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}=${detailValue(v)}`)
    .join(' ');
}

/** `sharing show`: the request's terms and state, then its history. */
export function renderShareRequest(r: ShareRequest): string {
  const pairs: Array<[string, Cell]> = [
    ['id', r.id],
    ['dataset', r.dataset],
    ['consumer', r.consumer],
    ['owner', r.owner],
    ['status', `${statusText(r)}${r.live ? ', in force' : ''}`],
    ['fields', r.fields.join(', ')],
    ['in clear', r.clearFields.length > 0 ? r.clearFields.join(', ') : '(none: sensitive fields masked)'],
    ['purposes', r.purposes.join(', ')],
    ['purpose text', r.purposeText],
    ['legal basis', r.legalBasis],
    ['period', `${chinaTime(r.periodStart)} → ${chinaTime(r.periodEnd)}`],
    ['scope', r.scope.divisionPrefix ? `division ${r.scope.divisionPrefix}*` : 'all regions'],
    ['answer due', r.status === 'pending' ? deadlineText(r) : null],
    ['decided by', r.decidedBy],
    ['decided at', chinaTime(r.decidedAt)],
    ['reason', r.decisionReason],
    ['renews', r.renews],
    ['created', chinaTime(r.createdAt)],
  ];
  let out = renderPairs(pairs);
  const events = r.events ?? [];
  if (events.length > 0) {
    out += `\nhistory\n${renderTable(
      ['TIME', 'ACTION', 'ACTOR', 'REASON', 'DETAIL'],
      events.map((e) => [chinaTime(e.at, { seconds: true }), e.action, e.actor, e.reason, detailText(e.detail)]),
    )}`;
  }
  return out;
}

/** One line after a request or decision: what state the request is in now and what happens next. */
export function shareSummary(r: ShareRequest): string {
  switch (r.status) {
    case 'pending':
      return `request ${r.id} pending: ${r.owner} must answer${r.deadline ? ` by ${deadlineText(r)}` : ''}${r.overdue ? ' (OVERDUE)' : ''}\n`;
    case 'granted':
      return `request ${r.id} granted: ${r.consumer} may read ${r.dataset} (${r.fields.length} fields) from ${chinaTime(r.periodStart)} until ${chinaTime(r.periodEnd)}\n`;
    default:
      return `request ${r.id} ${r.status}${r.decisionReason ? `: ${r.decisionReason}` : ''}\n`;
  }
}

/** `sharing list`: one line per request; a deadline counted weekends only is starred and explained below. */
export function renderShareList(items: readonly ShareRequest[]): string {
  const due = (r: ShareRequest): string =>
    r.status === 'pending' && r.deadline !== null
      ? `${chinaTime(r.deadline)}${r.deadlineCalendar === 'weekends-only' ? ' *' : ''}`
      : '';
  let out = renderTable(
    ['ID', 'DATASET', 'CONSUMER → OWNER', 'STATUS', 'ANSWER DUE', 'PERIOD END'],
    items.map((r) => [r.id, r.dataset, `${r.consumer} → ${r.owner}`, statusText(r), due(r), chinaTime(r.periodEnd)]),
  );
  if (items.some((r) => due(r).endsWith(' *'))) out += `\n* ${WEEKENDS_ONLY_NOTE}\n`;
  return out;
}

interface RequestOpts extends JsonOpt {
  fields: string[];
  purpose: string[];
  purposeText: string;
  legalBasis: string;
  until: string;
  clear?: string[];
  from?: string;
  scope?: string;
}

interface ListOpts extends JsonOpt {
  role?: string;
  status?: string;
  dataset?: string;
  overdue?: boolean;
}

interface ApproveOpts extends JsonOpt {
  reason?: string;
  clear?: string[];
  until?: string;
}

const UNTIL_HELP =
  'ISO date or date-time; a bare date means the end of that day in China Standard Time (23:59:59.999 UTC+8), e.g. 2026-12-31 or 2026-12-31T18:00:00+08:00';

export function registerSharing(program: Command, ctx: CliContext): void {
  const sharing = program
    .command('sharing')
    .description('ask for other departments’ data, answer requests for yours, manage grants');

  const request = sharing
    .command('request')
    .description(
      'ask for fields of another department’s dataset (unconditional data is granted at once; conditional data waits for the owner)',
    )
    .argument('<dataset>', 'dataset id')
    .requiredOption('--fields <a,b>', 'fields asked for (the minimum necessary), comma-separated', parseList)
    .requiredOption(
      '--purpose <codes>',
      'purpose codes, comma-separated or repeated (see govshare sharing purposes)',
      collectList,
    )
    .requiredOption('--purpose-text <text>', 'what the data is for, specifically')
    .requiredOption('--legal-basis <text>', 'the duty or law under which you ask')
    .requiredOption('--until <date>', `when the grant ends: ${UNTIL_HELP}`, parseUntil)
    .option('--clear <a,b>', 'fields needed unmasked (the rest are shown masked)', parseList)
    .option('--from <iso>', 'when the grant starts (default: now)', parseInstant)
    .option(
      '--scope <prefix>',
      'only rows whose region code starts with this (2 to 6 digits, e.g. 4401)',
      parseDivisionPrefix,
    )
    .option('--json', 'print the request as JSON');
  request.addHelpText(
    'after',
    '\nExample:\n  govshare sharing request nucleic-acid-results --fields citizen_id,result,sample_time \\\n' +
      '    --purpose contact_tracing --purpose-text "trace contacts of confirmed cases" \\\n' +
      '    --legal-basis "Law on the Prevention and Control of Infectious Diseases" --until 2026-12-31',
  );
  addServerOptions(request).action(async (dataset: string, opts: RequestOpts, cmd: Command) => {
    const body = {
      dataset,
      fields: opts.fields,
      ...(opts.clear !== undefined ? { clearFields: opts.clear } : {}),
      purposes: opts.purpose,
      purposeText: opts.purposeText,
      legalBasis: opts.legalBasis,
      ...(opts.from !== undefined ? { periodStart: opts.from } : {}),
      periodEnd: opts.until,
      ...(opts.scope !== undefined ? { scope: { divisionPrefix: opts.scope } } : {}),
    };
    const r = await apiFor(cmd, ctx).request<ShareRequest>('POST', '/api/v1/sharing/requests', { json: body });
    if (opts.json) printJson(ctx.io, r);
    else ctx.io.out(shareSummary(r));
    ctx.code = 0;
  });

  const list = sharing
    .command('list')
    .description(
      'requests you made and requests for your data (a table of id, dataset, consumer → owner, status, answer due and period end, in China time)',
    )
    .addOption(
      new Option('--role <role>', 'only requests you made (consumer) or requests for your data (owner)').choices([
        'consumer',
        'owner',
      ]),
    )
    .addOption(new Option('--status <status>', 'only requests in this state').choices(STATUSES))
    .option('--dataset <id>', 'only requests for this dataset')
    .option('--overdue', 'only pending requests past their answer deadline')
    .option('--json', 'print { items } as JSON');
  addServerOptions(list).action(async (opts: ListOpts, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<ListOf<ShareRequest>>('GET', '/api/v1/sharing/requests', {
      query: {
        role: opts.role,
        status: opts.status,
        dataset: opts.dataset,
        overdue: opts.overdue ? 'true' : undefined,
      },
    });
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'requests');
    else ctx.io.out(renderShareList(res.items));
    ctx.code = 0;
  });

  const show = sharing
    .command('show')
    .description('one request or grant: its terms, state and every state change')
    .argument('<id>', 'request id')
    .option('--json', 'print the request (with events) as JSON');
  addServerOptions(show).action(async (id: string, opts: JsonOpt, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<ShareRequest>('GET', `/api/v1/sharing/requests/${seg(id)}`);
    if (opts.json) printJson(ctx.io, r);
    else ctx.io.out(renderShareRequest(r));
    ctx.code = 0;
  });

  /** A decision on one request: POST /api/v1/sharing/requests/{id}/{verb}. */
  const decide = <O extends object>(cmd: Command, verb: string, body: (opts: O) => Record<string, unknown>): void => {
    cmd.option('--json', 'print the request as JSON');
    addServerOptions(cmd).action(async (id: string, opts: O & JsonOpt, c: Command) => {
      const r = await apiFor(c, ctx).request<ShareRequest>('POST', `/api/v1/sharing/requests/${seg(id)}/${verb}`, {
        json: body(opts),
      });
      if (opts.json) printJson(ctx.io, r);
      else ctx.io.out(shareSummary(r));
      ctx.code = 0;
    });
  };

  decide(
    sharing
      .command('approve')
      .description(
        'approve a conditional request for your data (owner); may narrow the fields in clear or shorten the period',
      )
      .argument('<id>', 'request id')
      .option('--reason <text>', 'why (kept in the request’s history)')
      .option('--clear <a,b>', 'grant only these of the asked fields in clear', parseList)
      .option('--until <date>', `end the grant sooner: ${UNTIL_HELP}`, parseUntil),
    'approve',
    (o: ApproveOpts) => ({
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ...(o.clear !== undefined ? { clearFields: o.clear } : {}),
      ...(o.until !== undefined ? { periodEnd: o.until } : {}),
    }),
  );
  decide(
    sharing
      .command('refuse')
      .description('refuse a request for your data, with the reason (owner)')
      .argument('<id>', 'request id')
      .requiredOption('--reason <text>', 'why (the requester sees it)'),
    'refuse',
    (o: { reason: string }) => ({ reason: o.reason }),
  );
  decide(
    sharing
      .command('revoke')
      .description('end a grant on your data now, with the reason (owner)')
      .argument('<id>', 'grant id')
      .requiredOption('--reason <text>', 'why (the consumer sees it)'),
    'revoke',
    (o: { reason: string }) => ({ reason: o.reason }),
  );
  decide(
    sharing
      .command('withdraw')
      .description('withdraw a pending request you made (requester)')
      .argument('<id>', 'request id')
      .option('--reason <text>', 'why'),
    'withdraw',
    (o: { reason?: string }) => (o.reason !== undefined ? { reason: o.reason } : {}),
  );
  decide(
    sharing
      .command('renew')
      .description('extend a grant you hold (requester); conditional data goes back to the owner for approval')
      .argument('<id>', 'grant id')
      .requiredOption('--until <date>', `the new end: ${UNTIL_HELP}`, parseUntil)
      .option('--reason <text>', 'why'),
    'renew',
    (o: { until: string; reason?: string }) => ({
      periodEnd: o.until,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
    }),
  );

  const purposes = sharing
    .command('purposes')
    .description('the purpose vocabulary (codes for --purpose)')
    .option('--json', 'print { items } as JSON');
  addServerOptions(purposes).action(async (opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const res = await api.request<ListOf<Purpose>>('GET', '/api/v1/sharing/purposes');
    if (opts.json) printJson(ctx.io, res);
    else
      ctx.io.out(
        renderTable(
          ['CODE', 'PURPOSE'],
          res.items.map((p) => [p.code, loc(p.name, api.server.lang)]),
        ),
      );
    ctx.code = 0;
  });

  registerCalendar(sharing, ctx);
}
