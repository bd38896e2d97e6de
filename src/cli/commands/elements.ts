import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { Element, ListOf, ValidateResult } from '../types.js';
import { apiFor, loc, noneFound, seg, type JsonOpt } from './common.js';

function constraints(e: Element): string {
  const parts: string[] = [];
  if (e.pattern !== undefined) parts.push(`pattern ${e.pattern}`);
  if (e.maxLength !== undefined) parts.push(`max length ${e.maxLength}`);
  if (e.minimum !== undefined) parts.push(`min ${e.minimum}`);
  if (e.maximum !== undefined) parts.push(`max ${e.maximum}`);
  if (e.checkRule !== undefined) parts.push(`check ${e.checkRule}`);
  return parts.join('; ');
}

export function renderElement(e: Element, lang: string): string {
  const mask = Object.entries(e.mask)
    .map(([k, v]) => (k === 'type' ? String(v) : `${k}=${String(v)}`))
    .join(' ');
  let out = renderPairs([
    ['code', e.code],
    ['name', loc(e.name, lang)],
    ['description', loc(e.description, lang)],
    ['type', e.type],
    ['constraints', constraints(e)],
    ['sensitivity', e.sensitivity],
    ['mask', mask],
    ['version', e.version],
    ['builtin', e.builtin === undefined ? undefined : e.builtin ? 'yes' : 'no'],
  ]);
  if (e.valueSet && e.valueSet.length > 0)
    out += `\n${renderTable(
      ['CODE', 'NAME'],
      e.valueSet.map((v) => [v.code, loc(v.name, lang)]),
    )}`;
  return out;
}

export function registerElements(program: Command, ctx: CliContext): void {
  const elements = program.command('elements').description('the data standard: standard data elements');

  const list = elements
    .command('list')
    .description('every standard data element')
    .option('--json', 'print { items } as JSON');
  addServerOptions(list).action(async (opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const res = await api.request<ListOf<Element>>('GET', '/api/v1/elements');
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'elements');
    else
      ctx.io.out(
        renderTable(
          ['CODE', 'TYPE', 'SENSITIVITY', 'NAME'],
          res.items.map((e) => [e.code, e.type, e.sensitivity, loc(e.name, api.server.lang)]),
        ),
      );
    ctx.code = 0;
  });

  const show = elements
    .command('show')
    .description('one standard data element')
    .argument('<code>', 'element code')
    .option('--json', 'print the element as JSON');
  addServerOptions(show).action(async (code: string, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const e = await api.request<Element>('GET', `/api/v1/elements/${seg(code)}`);
    if (opts.json) printJson(ctx.io, e);
    else ctx.io.out(renderElement(e, api.server.lang));
    ctx.code = 0;
  });

  const validate = elements
    .command('validate')
    .description('check one value against an element as ingest would (exit 1 when invalid)')
    .argument('<code>', 'element code')
    .argument('<value>', 'the value, as text (put -- before a value starting with -)')
    .option('--json', 'print { element, valid, value?, code?, message? } as JSON');
  addServerOptions(validate).action(async (code: string, value: string, opts: JsonOpt, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<ValidateResult>('POST', `/api/v1/elements/${seg(code)}/validate`, {
      json: { value },
    });
    if (opts.json) printJson(ctx.io, r);
    else if (r.valid) ctx.io.out(`valid: ${String(r.value ?? value)}\n`);
    else ctx.io.out(`invalid: ${r.code ?? 'invalid'}: ${r.message ?? ''}\n`);
    ctx.code = r.valid ? 0 : 1;
  });
}
