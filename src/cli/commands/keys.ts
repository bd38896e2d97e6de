import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs } from '../table.js';
import type { ReencryptStatus } from '../types.js';
import { apiFor, type JsonOpt } from './common.js';

export function renderKeyStatus(s: ReencryptStatus): string {
  return renderPairs([
    ['active key', s.activeKey],
    ['keys', s.keys.join(', ')],
    ['re-encryption', s.running ? 'running' : s.error ? 'failed' : s.finishedAt ? 'finished' : 'not started'],
    ['values re-encrypted', s.reencrypted],
    ['started', s.startedAt],
    ['finished', s.finishedAt],
    ['error', s.error],
  ]);
}

export function registerKeys(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('field-encryption keys (administrator)');

  const status = keys
    .command('status')
    .description('the field keys (ids only) and the re-encryption job')
    .option('--json', 'print the status as JSON');
  addServerOptions(status).action(async (opts: JsonOpt, cmd: Command) => {
    const s = await apiFor(cmd, ctx).request<ReencryptStatus>('GET', '/api/v1/admin/field-keys');
    if (opts.json) printJson(ctx.io, s);
    else ctx.io.out(renderKeyStatus(s));
    ctx.code = 0;
  });

  const rotate = keys
    .command('rotate')
    .description('make a new field key active now and re-encrypt stored values under it in the background')
    .option('--json', 'print the status as JSON');
  addServerOptions(rotate).action(async (opts: JsonOpt, cmd: Command) => {
    const s = await apiFor(cmd, ctx).request<ReencryptStatus>('POST', '/api/v1/admin/field-keys/rotate');
    if (opts.json) printJson(ctx.io, s);
    else
      ctx.io.out(
        `active field key is now ${s.activeKey}; stored values are re-encrypted in the background (govshare keys status)\n`,
      );
    ctx.code = 0;
  });

  const reencrypt = keys
    .command('reencrypt')
    .description('re-encrypt values still under an older key (resumes an interrupted job)')
    .option('--json', 'print the status as JSON');
  addServerOptions(reencrypt).action(async (opts: JsonOpt, cmd: Command) => {
    const s = await apiFor(cmd, ctx).request<ReencryptStatus>('POST', '/api/v1/admin/field-keys/reencrypt');
    if (opts.json) printJson(ctx.io, s);
    else
      ctx.io.out(`re-encrypting values under older keys to ${s.activeKey} in the background (govshare keys status)\n`);
    ctx.code = 0;
  });
}
