import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { parseInstant } from '../parse.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import type { Department, IssuedToken, ListOf } from '../types.js';
import { apiFor, loc, noneFound, readJsonFile, seg, type JsonOpt } from './common.js';

export function renderDepartment(d: Department, lang: string): string {
  const contact = [d.contact.person, d.contact.phone, d.contact.email].filter(Boolean).join(', ');
  return renderPairs([
    ['id', d.id],
    ['name', loc(d.name, lang)],
    ['credit code', d.creditCode],
    ['level', d.level],
    ['region', d.region],
    ['role', d.role],
    ['contact', contact],
    ['created', d.createdAt],
    ['updated', d.updatedAt],
  ]);
}

export function registerDepartments(program: Command, ctx: CliContext): void {
  const departments = program.command('departments').description('departments (data subjects) and their API tokens');

  const list = departments.command('list').description('all departments').option('--json', 'print { items } as JSON');
  addServerOptions(list).action(async (opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const res = await api.request<ListOf<Department>>('GET', '/api/v1/departments');
    if (opts.json) printJson(ctx.io, res);
    else if (res.items.length === 0) noneFound(ctx, 'departments');
    else
      ctx.io.out(
        renderTable(
          ['ID', 'LEVEL', 'REGION', 'ROLE', 'NAME'],
          res.items.map((d) => [d.id, d.level, d.region, d.role, loc(d.name, api.server.lang)]),
        ),
      );
    ctx.code = 0;
  });

  const show = departments
    .command('show')
    .description('one department')
    .argument('<id>', 'department id')
    .option('--json', 'print the department as JSON');
  addServerOptions(show).action(async (id: string, opts: JsonOpt, cmd: Command) => {
    const api = apiFor(cmd, ctx);
    const d = await api.request<Department>('GET', `/api/v1/departments/${seg(id)}`);
    if (opts.json) printJson(ctx.io, d);
    else ctx.io.out(renderDepartment(d, api.server.lang));
    ctx.code = 0;
  });

  const create = departments
    .command('create')
    .description('register a department (administrator)')
    .requiredOption(
      '--file <file>',
      'JSON file with id, name {zh-CN, en}, creditCode, level, region, role?, contact? (- for standard input)',
    )
    .option('--json', 'print the created department as JSON');
  addServerOptions(create).action(async (opts: JsonOpt & { file: string }, cmd: Command) => {
    const body = await readJsonFile(ctx.io, opts.file);
    const d = await apiFor(cmd, ctx).request<Department>('POST', '/api/v1/departments', { json: body });
    if (opts.json) printJson(ctx.io, d);
    else ctx.io.out(`created department ${d.id}\n`);
    ctx.code = 0;
  });

  const token = departments
    .command('token')
    .description('issue an API token to a department (administrator); the token is printed once, alone on stdout')
    .argument('<id>', 'department id')
    .requiredOption('--name <name>', 'what the token is for, e.g. "nightly export"')
    .option('--expires <iso>', 'expiry date-time, e.g. 2026-12-31T23:59:59+08:00 (default: never)', parseInstant)
    .option('--json', 'print { id, departmentId, name, token, expiresAt } as JSON');
  addServerOptions(token).action(
    async (id: string, opts: JsonOpt & { name: string; expires?: string }, cmd: Command) => {
      const t = await apiFor(cmd, ctx).request<IssuedToken>('POST', `/api/v1/departments/${seg(id)}/tokens`, {
        json: { name: opts.name, ...(opts.expires !== undefined ? { expiresAt: opts.expires } : {}) },
      });
      if (opts.json) printJson(ctx.io, t);
      else {
        ctx.io.out(`${t.token}\n`);
        ctx.io.err(
          `token ${t.id} for ${t.departmentId}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}: shown once, store it safely\n`,
        );
      }
      ctx.code = 0;
    },
  );

  const revoke = departments
    .command('revoke-token')
    .description('revoke an API token (administrator)')
    .argument('<tokenId>', 'token id (not the secret)');
  addServerOptions(revoke).action(async (tokenId: string, _opts: unknown, cmd: Command) => {
    await apiFor(cmd, ctx).request<undefined>('DELETE', `/api/v1/tokens/${seg(tokenId)}`);
    ctx.io.err(`revoked token ${tokenId}\n`);
    ctx.code = 0;
  });
}
