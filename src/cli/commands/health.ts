import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import { apiFor, loc, type JsonOpt } from './common.js';

interface Reason {
  rule: string;
  colour: string;
  description: { 'zh-CN': string; en: string };
  evidence: { dataset: string; key: string }[];
}
interface StatusView {
  status: {
    colour: string;
    computedColour: string;
    reasons: Reason[];
    ruleSet: string;
    ruleVersion: string;
    overrideAppeal: string | null;
    since: string;
    computedAt: string;
  };
  history: { seq: number; colour: string; previous: string | null; cause: string; at: string; reasons: Reason[] }[];
}
interface Job {
  id: string;
  status: string;
  processed: number;
  changed: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export function renderStatus(v: StatusView, lang: string): string {
  const s = v.status;
  const head = renderPairs([
    [
      'colour 颜色',
      s.colour + (s.overrideAppeal ? ` (appeal ${s.overrideAppeal}; rules say ${s.computedColour})` : ''),
    ],
    ['rule set 规则集', `${s.ruleSet} ${s.ruleVersion}`],
    ['since 起始', s.since],
    ['computed 计算于', s.computedAt],
  ]);
  const reasons = s.reasons.length
    ? renderTable(
        ['RULE', 'COLOUR', 'WHY', 'RECORDS'],
        s.reasons.map((r) => [
          r.rule,
          r.colour,
          loc(r.description, lang),
          r.evidence.map((e) => `${e.dataset}/${e.key}`).join(' '),
        ]),
      )
    : 'no rule fires: green 未触发任何规则：绿码\n';
  const hist = renderTable(
    ['AT', 'COLOUR', 'FROM', 'CAUSE', 'RULES'],
    v.history.map((h) => [h.at, h.colour, h.previous, h.cause, h.reasons.map((r) => r.rule).join(',')]),
  );
  return `${head}\nReasons 原因:\n${reasons}\nHistory 变更记录:\n${hist}`;
}

export function registerHealth(program: Command, ctx: CliContext): void {
  const health = program
    .command('health')
    .description('health-code status: colours with reasons, history, recompute 健康码状态');

  const status = health
    .command('status')
    .description('a person’s status with reasons and history (administrator; audited)')
    .argument('<citizenId>', 'the person’s citizen ID number')
    .option('--json', 'print { status, history } as JSON');
  addServerOptions(status).action(async (citizenId: string, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const v = await api.request<StatusView>('POST', '/api/v1/health-status/lookup', { json: { citizenId } });
    if (opts.json) printJson(ctx.io, v);
    else ctx.io.out(renderStatus(v, api.server.lang));
    ctx.code = 0;
  });

  const mine = health
    .command('me')
    .description('your own status with reasons and history (person token)')
    .option('--json', 'print as JSON');
  addServerOptions(mine, 'person token, gsp_...').action(async (opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const v = await api.request<StatusView>('GET', '/api/v1/me/status');
    if (opts.json) printJson(ctx.io, v);
    else ctx.io.out(renderStatus(v, api.server.lang));
    ctx.code = 0;
  });

  const recompute = health
    .command('recompute')
    .description('start the full recompute of every person (administrator); --wait follows it to the end')
    .option('--wait', 'poll until the job is done')
    .option('--json', 'print the job as JSON');
  addServerOptions(recompute).action(async (opts: JsonOpt & { wait?: boolean }, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    let job = await api.request<Job>('POST', '/api/v1/admin/health/recompute');
    while (opts.wait && job.status === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      job = await api.request<Job>('GET', `/api/v1/admin/health/recompute/${encodeURIComponent(job.id)}`);
    }
    if (opts.json) printJson(ctx.io, job);
    else
      ctx.io.out(
        `job ${job.id}: ${job.status}, ${job.processed} people, ${job.changed} changed${job.error ? `, error: ${job.error}` : ''}\n`,
      );
    ctx.code = job.status === 'failed' ? 1 : 0;
  });
}
