import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DivisionStatus, RiskArea } from '../../riskareas/schema.js';
import { UsageError } from '../errors.js';
import { printJson, type CliContext } from '../io.js';
import { parseInstant } from '../parse.js';
import { addServerOptions, serverFor } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { Page } from '../types.js';
import { apiFor, loc, noneFound, seg, type JsonOpt } from './common.js';

const LEVELS = ['high', 'medium', 'low'] as const;
const LIMIT = 1000;

/** A GB/T 2260 division code: 6 digits. */
export function parseDivisionCode(value: string): string {
  if (!/^\d{6}$/.test(value))
    throw new InvalidArgumentError('Must be a 6-digit division code (GB/T 2260), e.g. 440106.');
  return value;
}

/** A place inside an area: a venue code or station name of 1 to 64 characters; repeatable. */
function collectPlace(value: string, previous: string[] | undefined): string[] {
  const v = value.trim();
  if (v === '' || v.length > 64)
    throw new InvalidArgumentError('Must be a venue code or station name of 1 to 64 characters.');
  return [...(previous ?? []), v];
}

const levelText = (level: string, lang: string): string =>
  lang === 'zh-CN'
    ? (({ high: '高风险', medium: '中风险', low: '低风险' } as Record<string, string>)[level] ?? level)
    : level;

function state(a: RiskArea, lang: string): string {
  const zh = lang === 'zh-CN';
  if (a.inForce) return zh ? '生效中' : 'in force';
  if (a.endsAt !== null)
    return a.liftedBy === 'rule' ? (zh ? '已按规则解除' : 'lifted by rule') : zh ? '已解除' : 'lifted';
  return zh ? '未开始' : 'not started';
}

export function renderArea(a: RiskArea, lang: string): string {
  return renderPairs([
    ['id', a.id],
    ['name', loc(a.name, lang)],
    ['level', levelText(a.level, lang)],
    ['division', a.division],
    ['state', state(a, lang)],
    ['starts', a.startsAt],
    ['last case', a.lastCaseAt],
    ['lifts by rule at', a.liftsByRuleAt],
    ['ended', a.endsAt],
    ['lifted by', a.liftedBy],
    ['lift reason', a.liftReason],
    ['declared by', a.declaredBy],
    ['updated', a.updatedAt],
    ['places', a.places.join(', ')],
  ]);
}

function areaTable(items: readonly RiskArea[], lang: string): string {
  return renderTable(
    ['ID', 'LEVEL', 'DIVISION', 'STATE', 'STARTS', 'LIFTS BY RULE / ENDED', 'PLACES', 'NAME'],
    items.map((a) => [
      a.id,
      levelText(a.level, lang),
      a.division,
      state(a, lang),
      a.startsAt,
      a.endsAt ?? a.liftsByRuleAt,
      a.places.length,
      loc(a.name, lang),
    ]),
    { right: [6] },
  );
}

interface ListOpts extends JsonOpt {
  all?: boolean;
  division?: string;
}

interface DeclareOpts extends JsonOpt {
  division: string;
  nameZh: string;
  nameEn: string;
  level: (typeof LEVELS)[number];
  place: string[];
  startsAt?: string;
}

export function registerRiskAreas(program: Command, ctx: CliContext): void {
  const areas = program
    .command('risk-areas')
    .description('risk areas declared by the emergency command (public to read; changes need an administrator)');

  const list = areas
    .command('list')
    .description(
      'risk areas in force (a table of id, level, division, state, start, end or rule lift time, places, name)',
    )
    .option('--all', 'every area, lifted ones too')
    .addOption(
      new Option('--division <code>', 'only areas within this county, city or province').argParser(parseDivisionCode),
    )
    .option('--json', 'print { total, items } as JSON');
  addServerOptions(list).action(async (opts: ListOpts, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const page = await api.request<Page<RiskArea>>('GET', '/api/v1/risk-areas', {
      query: { inForce: opts.all ? undefined : true, division: opts.division, limit: LIMIT },
    });
    if (opts.json) printJson(ctx.io, page);
    else if (page.items.length === 0) noneFound(ctx, opts.all ? 'risk areas' : 'risk areas in force');
    else {
      ctx.io.out(areaTable(page.items, api.server.lang));
      if (page.total > page.items.length)
        ctx.io.err(`showing ${page.items.length} of ${page.total} risk areas; narrow with --division\n`);
    }
    ctx.code = 0;
  });

  const show = areas
    .command('show')
    .description('one risk area')
    .argument('<id>', 'risk area id, e.g. RA-1A2B3C4D5E6F')
    .option('--json', 'print the area as JSON');
  addServerOptions(show).action(async (id: string, opts: JsonOpt, cmd: Command) => {
    const a = await apiFor(cmd, ctx).request<RiskArea>('GET', `/api/v1/risk-areas/${seg(id)}`);
    if (opts.json) printJson(ctx.io, a);
    else ctx.io.out(renderArea(a, serverFor(cmd, ctx.io).lang));
    ctx.code = 0;
  });

  const declare = areas
    .command('declare')
    .description('declare a risk area (administrator); it is lifted by rule after 7 days without a new case')
    .requiredOption('--division <code>', 'GB/T 2260 code of the county or district the area lies in', parseDivisionCode)
    .requiredOption('--name-zh <text>', 'the area’s name in Chinese')
    .requiredOption('--name-en <text>', 'the area’s name in English')
    .addOption(new Option('--level <level>', 'risk level').choices(LEVELS).makeOptionMandatory())
    .requiredOption('--place <place>', 'a venue code or station name inside the area (repeat for more)', collectPlace)
    .option('--starts-at <time>', 'when the area comes into force (ISO 8601; default now)', parseInstant)
    .option('--json', 'print the area as JSON');
  addServerOptions(declare).action(async (opts: DeclareOpts, cmd: Command) => {
    const body = {
      division: opts.division,
      name: { 'zh-CN': opts.nameZh, en: opts.nameEn },
      level: opts.level,
      places: opts.place,
      ...(opts.startsAt !== undefined ? { startsAt: opts.startsAt } : {}),
    };
    const a = await apiFor(cmd, ctx).request<RiskArea>('POST', '/api/v1/risk-areas', { json: body });
    if (opts.json) printJson(ctx.io, a);
    else
      ctx.io.out(
        `declared ${a.level}-risk area ${a.id} in ${a.division} from ${a.startsAt} (${a.places.length} places); lifted by rule at ${a.liftsByRuleAt ?? '-'} unless a new case is recorded\n`,
      );
    ctx.code = 0;
  });

  const kase = areas
    .command('case')
    .description('record a new case in an area (administrator): the 7-day clock starts again')
    .argument('<id>', 'risk area id')
    .option('--at <time>', 'when the case was found (ISO 8601; default now)', parseInstant)
    .option('--json', 'print the area as JSON');
  addServerOptions(kase).action(async (id: string, opts: JsonOpt & { at?: string }, cmd: Command) => {
    const a = await apiFor(cmd, ctx).request<RiskArea>('POST', `/api/v1/risk-areas/${seg(id)}/cases`, {
      json: opts.at === undefined ? {} : { at: opts.at },
    });
    if (opts.json) printJson(ctx.io, a);
    else
      ctx.io.out(
        `case recorded in ${a.id} (last case ${a.lastCaseAt}); lifted by rule at ${a.liftsByRuleAt ?? '-'} unless another case is recorded\n`,
      );
    ctx.code = 0;
  });

  const set = areas
    .command('set')
    .description('change the level or the places of an area in force (administrator)')
    .argument('<id>', 'risk area id')
    .addOption(new Option('--level <level>', 'new risk level').choices(LEVELS))
    .option('--place <place>', 'the area’s places from now on, replacing the old ones (repeat for more)', collectPlace)
    .option('--json', 'print the area as JSON');
  addServerOptions(set).action(
    async (id: string, opts: JsonOpt & { level?: string; place?: string[] }, cmd: Command) => {
      if (opts.level === undefined && opts.place === undefined) throw new UsageError('give --level, --place or both');
      const body = {
        ...(opts.level !== undefined ? { level: opts.level } : {}),
        ...(opts.place !== undefined ? { places: opts.place } : {}),
      };
      const a = await apiFor(cmd, ctx).request<RiskArea>('PATCH', `/api/v1/risk-areas/${seg(id)}`, { json: body });
      if (opts.json) printJson(ctx.io, a);
      else ctx.io.out(`${a.id} is now ${a.level}-risk with ${a.places.length} places\n`);
      ctx.code = 0;
    },
  );

  const lift = areas
    .command('lift')
    .description('lift an area by hand now (administrator)')
    .argument('<id>', 'risk area id')
    .requiredOption('--reason <text>', 'why the area is lifted')
    .option('--json', 'print the area as JSON');
  addServerOptions(lift).action(async (id: string, opts: JsonOpt & { reason: string }, cmd: Command) => {
    const a = await apiFor(cmd, ctx).request<RiskArea>('POST', `/api/v1/risk-areas/${seg(id)}/lift`, {
      json: { reason: opts.reason },
    });
    if (opts.json) printJson(ctx.io, a);
    else ctx.io.out(`lifted ${a.id} at ${a.endsAt}\n`);
    ctx.code = 0;
  });

  const sweep = areas
    .command('sweep')
    .description('apply the 7-day rule now: lift every area without a new case for 7 days (administrator)')
    .option('--json', 'print { lifted } as JSON');
  addServerOptions(sweep).action(async (opts: JsonOpt, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<{ lifted: string[] }>('POST', '/api/v1/risk-areas/sweep');
    if (opts.json) printJson(ctx.io, res);
    else if (res.lifted.length === 0) ctx.io.out('no area was due to be lifted\n');
    else ctx.io.out(`lifted by rule: ${res.lifted.join(', ')}\n`);
    ctx.code = 0;
  });

  const division = areas
    .command('division')
    .description(
      'whether a county (or every county of a city or province) is back to routine: no high- or medium-risk area in force',
    )
    .argument('<code>', 'GB/T 2260 division code', parseDivisionCode)
    .option('--json', 'print the status as JSON');
  addServerOptions(division).action(async (code: string, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const s = await api.request<DivisionStatus>('GET', `/api/v1/risk-areas/divisions/${seg(code)}`);
    if (opts.json) {
      printJson(ctx.io, s);
    } else {
      const lang = api.server.lang;
      const zh = lang === 'zh-CN';
      const verdict = s.routine
        ? zh
          ? '已恢复常态化防控'
          : 'back to routine'
        : zh
          ? '仍有中高风险区'
          : 'not back to routine (high- or medium-risk areas in force)';
      ctx.io.out(
        renderPairs([
          ['division', `${s.division}${s.name ? ` ${loc(s.name, lang)}` : ''}`],
          ['status', verdict],
          ['high', s.high],
          ['medium', s.medium],
          ['low', s.low],
        ]),
      );
      if (s.areas.length > 0) ctx.io.out(`\n${areaTable(s.areas, lang)}`);
    }
    ctx.code = 0;
  });
}
