import type { Command } from 'commander';
import { Api } from '../api.js';
import type { CliContext } from '../io.js';
import { serverFor } from '../server-options.js';

export interface JsonOpt {
  json?: boolean;
}

/** The API client for a command, from its --url/--token/--lang and the environment. */
export const apiFor = (cmd: Command, ctx: CliContext): Api => new Api(ctx.io, serverFor(cmd, ctx.io));

export const seg = (s: string): string => encodeURIComponent(s);

/** Localised text in the chosen language, falling back to English, then to any text. */
export function loc(text: { 'zh-CN': string; en: string } | undefined | null, lang: string): string {
  if (!text) return '';
  return (lang === 'zh-CN' ? text['zh-CN'] : text.en) || text.en || text['zh-CN'] || '';
}

/** Prints an empty-result note on stderr so stdout stays clean for scripts. */
export function noneFound(ctx: CliContext, what: string): void {
  ctx.io.err(`no ${what} found\n`);
}
