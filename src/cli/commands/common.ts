import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Api } from '../api.js';
import { CliError } from '../errors.js';
import type { CliContext, Io } from '../io.js';
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

/** A JSON document from a file, or from standard input when the file is '-'. */
export async function readJsonFile(io: Io, file: string): Promise<unknown> {
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = await readFile(file, 'utf8');
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file === '-' ? 'standard input' : file} is not valid JSON: ${(err as Error).message}`);
  }
}
