import { Option, type Command } from 'commander';
import { compareVersions } from '../../healthcode/rulesets/semver.js';
import type { StoredRuleSet } from '../../healthcode/rulesets/store.js';
import { ApiError, CliError, formatProblem } from '../errors.js';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions, serverFor } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { ListOf } from '../types.js';
import { apiFor, loc, noneFound, readJsonFile, seg, type JsonOpt } from './common.js';
import { parseDivisionCode } from './risk-areas.js';

interface ListOpts extends JsonOpt {
  region?: string;
}

/** A rule set's header and a table of its rules (id, colour, description in the chosen language). */
export function renderRuleSet(s: StoredRuleSet, lang: string): string {
  const rs = s.ruleSet;
  const head = renderPairs([
    ['id', rs.id],
    ['version', rs.version],
    ['region', rs.region],
    ['valid', `${rs.validFrom} – ${rs.validTo}`],
    ['description', loc(rs.description, lang)],
    ['published by', s.publishedBy],
    ['published', s.publishedAt],
  ]);
  const rules = renderTable(
    ['RULE', 'COLOUR', 'DESCRIPTION'],
    rs.rules.map((r) => [r.id, r.colour, loc(r.description, lang)]),
  );
  return `${head}\n${rules}`;
}

/** Without a version: the set in force for the node's region when it is this one, else its highest version. */
async function current(ctx: CliContext, cmd: Command, id: string): Promise<StoredRuleSet> {
  const api = apiFor(cmd, ctx);
  try {
    const inForce = await api.request<StoredRuleSet>('GET', '/api/v1/rule-sets/in-force');
    if (inForce.ruleSet.id === id) return inForce;
  } catch (err) {
    if (!(err instanceof ApiError && err.problem.status === 404)) throw err;
  }
  const all = await api.request<ListOf<StoredRuleSet>>('GET', '/api/v1/rule-sets');
  const versions = all.items
    .filter((s) => s.ruleSet.id === id)
    .sort((a, b) => compareVersions(b.ruleSet.version, a.ruleSet.version));
  if (!versions[0]) throw new CliError(`no rule set ${id} (govshare rules list shows the published ones)`);
  return versions[0];
}

export function registerRules(program: Command, ctx: CliContext): void {
  const rules = program
    .command('rules')
    .description('health-code rule sets: versioned CertLogic rules that give a colour and its reasons');

  const list = rules
    .command('list')
    .description('published rule sets, newest first (a table of id, version, region, validity, rules, description)')
    .addOption(
      new Option('--region <code>', 'only the sets of this GB/T 2260 division code').argParser(parseDivisionCode),
    )
    .option('--json', 'print { items } as JSON');
  addServerOptions(list).action(async (opts: ListOpts, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const page = await api.request<ListOf<StoredRuleSet>>('GET', '/api/v1/rule-sets', {
      query: { region: opts.region },
    });
    if (opts.json) printJson(ctx.io, page);
    else if (page.items.length === 0) noneFound(ctx, 'rule sets');
    else {
      const lang = api.server.lang;
      ctx.io.out(
        renderTable(
          ['ID', 'VERSION', 'REGION', 'VALID FROM', 'VALID TO', 'RULES', 'DESCRIPTION'],
          page.items.map((s) => [
            s.ruleSet.id,
            s.ruleSet.version,
            s.ruleSet.region,
            s.ruleSet.validFrom,
            s.ruleSet.validTo,
            s.ruleSet.rules.length,
            loc(s.ruleSet.description, lang),
          ]),
          { right: [5] },
        ),
      );
    }
    ctx.code = 0;
  });

  const show = rules
    .command('show')
    .description(
      'one rule set and its rules; without a version, the one in force for the node’s region, else the highest version',
    )
    .argument('<id>', 'rule set id, e.g. GD-HEALTHCODE')
    .argument('[version]', 'semantic version, e.g. 1.0.0')
    .option('--json', 'print the rule set as JSON');
  addServerOptions(show).action(async (id: string, version: string | undefined, opts: JsonOpt, cmd: Command) => {
    const s =
      version === undefined
        ? await current(ctx, cmd, id)
        : await apiFor(cmd, ctx).request<StoredRuleSet>('GET', `/api/v1/rule-sets/${seg(id)}/${seg(version)}`);
    if (opts.json) printJson(ctx.io, s);
    else ctx.io.out(renderRuleSet(s, serverFor(cmd, ctx.io).lang));
    ctx.code = 0;
  });

  const publish = rules
    .command('publish')
    .description(
      'publish a rule set version from a JSON file, - for standard input (administrator); a version once published never changes',
    )
    .argument('<file>', 'the rule set as JSON (src/healthcode/rules/types.ts RuleSet)')
    .option('--json', 'print the published rule set as JSON');
  addServerOptions(publish).action(async (file: string, opts: JsonOpt, cmd: Command) => {
    const doc = await readJsonFile(ctx.io, file);
    const api = apiFor(cmd, ctx);
    let s: StoredRuleSet;
    try {
      s = await api.request<StoredRuleSet>('POST', '/api/v1/rule-sets', { json: doc });
    } catch (err) {
      // The validator's every problem, one a line, after the summary.
      const issues = err instanceof ApiError ? err.problem.issues : undefined;
      if (err instanceof ApiError && Array.isArray(issues) && issues.length > 0) {
        throw new CliError(`${formatProblem(err.problem)}\n${issues.map((i) => `  - ${String(i)}`).join('\n')}`);
      }
      throw err;
    }
    if (opts.json) printJson(ctx.io, s);
    else
      ctx.io.out(
        `published rule set ${s.ruleSet.id} ${s.ruleSet.version} for region ${s.ruleSet.region} (${s.ruleSet.rules.length} rules, valid ${s.ruleSet.validFrom} – ${s.ruleSet.validTo})\n`,
      );
    ctx.code = 0;
  });
}
