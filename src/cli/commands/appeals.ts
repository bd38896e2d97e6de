import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { printJson, type CliContext } from '../io.js';
import { integerIn, parseInstant } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import { apiFor, loc, noneFound, seg, type JsonOpt } from './common.js';

type Colour = 'green' | 'yellow' | 'red';

/** An appeal as the API returns it (GET /api/v1/appeals, /api/v1/me/appeals). */
export interface Appeal {
  id: string;
  subject: string;
  status: 'open' | 'accepted' | 'rejected';
  reason: string;
  colourAtFiling: Colour;
  rulesAtFiling: {
    ruleSet: string;
    ruleVersion: string;
    computedColour: Colour;
    reasons: {
      rule: string;
      colour: Colour;
      description: { 'zh-CN': string; en: string };
      evidence: { dataset: string; key: string }[];
    }[];
  };
  responsible: string;
  decidedBy: string | null;
  decisionReason: string | null;
  overrideColour: Colour | null;
  overrideUntil: string | null;
  overrideActive: boolean;
  createdAt: string;
  decidedAt: string | null;
}

const STATUSES = ['open', 'accepted', 'rejected'];
const COLOURS = ['green', 'yellow', 'red'];

const short = (text: string, max = 40): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The decision in a few words: `accepted: green until …`, `rejected`, `open`. */
export function appealState(a: Appeal): string {
  if (a.status === 'accepted')
    return `accepted: ${a.overrideColour ?? 'green'} until ${a.overrideUntil ?? '?'}${a.overrideActive ? '' : ' (ended)'}`;
  return a.status;
}

/** The appeals table (department and person views). */
export function renderAppeals(items: readonly Appeal[]): string {
  return renderTable(
    ['ID', 'FILED', 'SUBJECT', 'COLOUR', 'RULES', 'RESPONSIBLE', 'STATUS', 'REASON'],
    items.map((a) => [
      a.id,
      a.createdAt,
      short(a.subject, 12),
      a.colourAtFiling,
      a.rulesAtFiling.reasons.map((r) => r.rule).join(','),
      a.responsible,
      appealState(a),
      short(a.reason),
    ]),
  );
}

/** One appeal in full. */
export function renderAppeal(a: Appeal, lang: string): string {
  let out = renderPairs([
    ['id', a.id],
    ['subject', a.subject],
    ['status', appealState(a)],
    ['filed', a.createdAt],
    ['colour at filing', a.colourAtFiling],
    [
      'rule set',
      `${a.rulesAtFiling.ruleSet} ${a.rulesAtFiling.ruleVersion} (rules gave ${a.rulesAtFiling.computedColour})`,
    ],
    ['reason', a.reason],
    ['responsible', a.responsible],
    ['decided by', a.decidedBy],
    ['decided at', a.decidedAt],
    ['decision reason', a.decisionReason],
  ]);
  if (a.rulesAtFiling.reasons.length > 0) {
    out += `\nreasons at filing\n${renderTable(
      ['RULE', 'COLOUR', 'WHY', 'EVIDENCE'],
      a.rulesAtFiling.reasons.map((r) => [
        r.rule,
        r.colour,
        loc(r.description, lang),
        r.evidence.map((e) => e.dataset).join(','),
      ]),
    )}`;
  }
  return out;
}

/** One line after filing or deciding. */
export function appealSummary(a: Appeal): string {
  switch (a.status) {
    case 'open':
      return `appeal ${a.id} filed against your ${a.colourAtFiling} code; ${a.responsible} will decide (govshare me appeals)\n`;
    case 'accepted':
      return `appeal ${a.id} accepted: the code shows ${a.overrideColour ?? 'green'} until ${a.overrideUntil ?? '?'}\n`;
    default:
      return `appeal ${a.id} rejected: ${a.decisionReason ?? ''}\n`;
  }
}

interface ListOpts extends JsonOpt {
  status?: string;
  limit?: number;
  offset?: number;
}

interface DecideOpts extends JsonOpt {
  accept?: boolean;
  reject?: boolean;
  reason: string;
  colour?: Colour;
  expires?: string;
}

/** The decision body from the options; usage errors before any request. */
export function decisionBody(o: DecideOpts): Record<string, unknown> {
  if (o.accept === o.reject) throw new UsageError('give either --accept or --reject');
  if (o.reject) {
    if (o.colour !== undefined || o.expires !== undefined)
      throw new UsageError('--colour and --expires go with --accept only');
    return { decision: 'reject', reason: o.reason };
  }
  if (o.expires === undefined)
    throw new UsageError('--accept needs --expires: the override lasts until then (at most 30 days ahead)');
  return { decision: 'accept', reason: o.reason, colour: o.colour ?? 'green', expiresAt: o.expires };
}

export function registerAppeals(program: Command, ctx: CliContext): void {
  const appeals = program
    .command('appeals')
    .description(
      'appeals against health-code statuses: the ones your department answers for (an administrator sees all)',
    );

  const list = appeals
    .command('list')
    .description(
      'appeals your department answers for, oldest first (subject, colour and rules at filing, reason; never an ID number)',
    )
    .addOption(new Option('--status <status>', 'only appeals in this state').choices(STATUSES))
    .option('--limit <n>', 'at most this many (1 to 500, default 100)', integerIn(1, 500))
    .option('--offset <n>', 'skip this many', integerIn(0, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print { items } as JSON');
  addServerOptions(list).action(async (opts: ListOpts, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<{ items: Appeal[] }>('GET', '/api/v1/appeals', {
      query: { status: opts.status, limit: opts.limit, offset: opts.offset },
    });
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'appeals');
    else ctx.io.out(renderAppeals(res.items));
    ctx.code = 0;
  });

  const show = appeals
    .command('show')
    .description('one appeal: the status it disputes, the reasons at filing and the decision')
    .argument('<id>', 'appeal id')
    .option('--json', 'print the appeal as JSON');
  addServerOptions(show).action(async (id: string, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const a = await api.request<Appeal>('GET', `/api/v1/appeals/${seg(id)}`);
    if (opts.json) printJson(ctx.io, a);
    else ctx.io.out(renderAppeal(a, api.server.lang));
    ctx.code = 0;
  });

  const decide = appeals
    .command('decide')
    .description(
      'accept an open appeal (the code shows --colour until --expires) or reject it; the responsible department or an administrator',
    )
    .argument('<id>', 'appeal id')
    .addOption(new Option('--accept', 'accept: override the colour until --expires').conflicts('reject'))
    .addOption(new Option('--reject', 'reject: the status stays as the rules computed it').conflicts('accept'))
    .requiredOption('--reason <text>', 'why (1 to 2000 characters; the person sees it)')
    .addOption(
      new Option('--colour <colour>', 'the colour while the override lasts (with --accept; default green)').choices(
        COLOURS,
      ),
    )
    .option(
      '--expires <iso>',
      'when the override ends (with --accept; in the future, at most 30 days ahead), e.g. 2026-12-31T00:00:00Z',
      parseInstant,
    )
    .option('--json', 'print the appeal as JSON');
  decide.addHelpText(
    'after',
    '\nExamples:\n  govshare appeals decide apl_... --accept --reason "test was a lab mix-up" --expires 2026-12-31T00:00:00Z\n  govshare appeals decide apl_... --reject --reason "the positive result was confirmed"',
  );
  addServerOptions(decide).action(async (id: string, opts: DecideOpts, cmd: Command) => {
    const body = decisionBody(opts);
    const a = await apiFor(cmd, ctx).request<Appeal>('POST', `/api/v1/appeals/${seg(id)}/decision`, { json: body });
    if (opts.json) printJson(ctx.io, a);
    else ctx.io.out(appealSummary(a));
    ctx.code = 0;
  });
}

/** `me appeal` and `me appeals`, added to the person's `me` group (persons.ts). */
export function registerMyAppeals(me: Command, ctx: CliContext, tokenHelp: string): void {
  const file = me
    .command('appeal')
    .description('appeal your current health-code status (not when it is green; one open appeal at a time)')
    .requiredOption('--reason <text>', 'why you think the status is wrong (1 to 2000 characters)')
    .option('--json', 'print the appeal as JSON');
  addServerOptions(file, tokenHelp).action(async (opts: JsonOpt & { reason: string }, cmd: Command) => {
    const a = await apiFor(cmd, ctx).request<Appeal>('POST', '/api/v1/me/appeals', { json: { reason: opts.reason } });
    if (opts.json) printJson(ctx.io, a);
    else ctx.io.out(appealSummary(a));
    ctx.code = 0;
  });

  const mine = me
    .command('appeals')
    .description('your appeals and their decisions, newest first')
    .option('--json', 'print { items } as JSON');
  addServerOptions(mine, tokenHelp).action(async (opts: JsonOpt, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<{ items: Appeal[] }>('GET', '/api/v1/me/appeals');
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'appeals');
    else
      ctx.io.out(
        renderTable(
          ['ID', 'FILED', 'COLOUR', 'STATUS', 'DECISION REASON'],
          res.items.map((a) => [a.id, a.createdAt, a.colourAtFiling, appealState(a), a.decisionReason]),
        ),
      );
    ctx.code = 0;
  });
}
