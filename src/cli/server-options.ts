import { Option, type Command } from 'commander';
import type { Lang } from '../core/i18n.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { parseBaseUrl, parseLang } from './parse.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** How to reach the API. */
export interface ServerOptions {
  url: string;
  token: string | undefined;
  lang: Lang;
}

/** Adds --url, --token and --lang; defaults come from the environment when the command runs, so help never shows a token. */
export function addServerOptions(cmd: Command, tokenHelp = 'department API token'): Command {
  return cmd
    .addOption(
      new Option('--url <url>', `govshare server (default: $GOVSHARE_URL, else ${DEFAULT_URL})`).argParser(
        parseBaseUrl,
      ),
    )
    .addOption(new Option('--token <token>', `${tokenHelp} (default: $GOVSHARE_TOKEN)`))
    .addOption(
      new Option(
        '--lang <lang>',
        'language of messages and titles: zh-CN or en (default: $GOVSHARE_LANG, else en)',
      ).argParser(parseLang),
    );
}

interface RawServerOpts {
  url?: string;
  token?: string;
  lang?: Lang;
}

/** The command's own --url/--token/--lang, else those given before the command name, else the environment. */
export function resolveServerOptions(cmd: Command, env: NodeJS.ProcessEnv): ServerOptions {
  const pick = <K extends keyof RawServerOpts>(key: K): RawServerOpts[K] => {
    for (let c: Command | null = cmd; c; c = c.parent) {
      const v = (c.opts() as RawServerOpts)[key];
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const fromEnv = <T>(name: string, parse: (v: string) => T): T | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    try {
      return parse(v);
    } catch (err) {
      throw new UsageError(`environment variable ${name}='${v}' is invalid. ${(err as Error).message}`);
    }
  };
  return {
    url: pick('url') ?? fromEnv('GOVSHARE_URL', parseBaseUrl) ?? DEFAULT_URL,
    token: pick('token') ?? (env.GOVSHARE_TOKEN || undefined),
    lang: pick('lang') ?? fromEnv('GOVSHARE_LANG', parseLang) ?? 'en',
  };
}

export const serverFor = (cmd: Command, io: Io): ServerOptions => resolveServerOptions(cmd, io.env);
