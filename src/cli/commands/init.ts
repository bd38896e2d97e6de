import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { SLUG_PATTERN } from '../../core/ids.js';
import { validateCreditCode, validateDivisionCode } from '../../standard/index.js';
import { UsageError } from '../errors.js';
import type { CliContext, Io } from '../io.js';
import { addDatabaseOptions, configFrom, type StorageOpts } from './storage.js';

interface InitOpts extends StorageOpts {
  departmentId?: string;
  nameZh?: string;
  nameEn?: string;
  creditCode?: string;
  region?: string;
}

type Field = 'departmentId' | 'nameZh' | 'nameEn' | 'creditCode' | 'region';

const FIELDS: { key: Field; flag: string; prompt: string }[] = [
  { key: 'departmentId', flag: '--department-id', prompt: 'Department id 部门标识 (e.g. gd-dc)' },
  { key: 'nameZh', flag: '--name-zh', prompt: 'Chinese name 中文名称' },
  { key: 'nameEn', flag: '--name-en', prompt: 'English name 英文名称' },
  { key: 'creditCode', flag: '--credit-code', prompt: 'Unified social credit code 统一社会信用代码' },
  { key: 'region', flag: '--region', prompt: 'Region code 行政区划代码 (GB/T 2260)' },
];

/** Why a value is unacceptable, or undefined when it is fine. */
export function checkInitField(key: Field, value: string): string | undefined {
  switch (key) {
    case 'departmentId':
      return new RegExp(SLUG_PATTERN).test(value)
        ? undefined
        : 'the department id must be 2-63 lower-case letters, digits or hyphens, starting with a letter';
    case 'nameZh':
    case 'nameEn':
      return value.length >= 1 && value.length <= 128 ? undefined : 'a name must be 1 to 128 characters';
    case 'creditCode': {
      const issue = validateCreditCode(value.toUpperCase());
      return issue ? `the credit code is not a valid GB 32100 code: ${issue.message.en}` : undefined;
    }
    case 'region': {
      const issue = validateDivisionCode(value);
      return issue ? `the region is not a GB/T 2260 division code: ${issue.message.en}` : undefined;
    }
  }
}

const isTerminal = (io: Io): boolean => (io.stdin as { isTTY?: boolean }).isTTY === true;

/** Flags first; on a terminal the missing values are asked for (prompts on stderr, so stdout holds only the token). */
async function collect(opts: InitOpts, io: Io, defaultRegion: string): Promise<Record<Field, string>> {
  const values: Partial<Record<Field, string>> = {};
  for (const f of FIELDS) {
    const v = opts[f.key]?.trim();
    if (v !== undefined && v !== '') {
      const bad = checkInitField(f.key, v);
      if (bad) throw new UsageError(`${f.flag}: ${bad}`);
      values[f.key] = v;
    }
  }
  if (!isTerminal(io)) values.region ??= defaultRegion;
  const missing = FIELDS.filter((f) => values[f.key] === undefined);
  if (missing.length === 0) return values as Record<Field, string>;
  if (!isTerminal(io))
    throw new UsageError(
      `init needs ${missing.map((f) => f.flag).join(', ')} (or run it on a terminal to be asked for them)`,
    );
  const rl = createInterface({ input: io.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator](); // buffers lines typed (or pasted) ahead of their prompt
  try {
    for (const f of missing) {
      for (;;) {
        const dflt = f.key === 'region' ? defaultRegion : undefined;
        io.err(`${f.prompt}${dflt ? ` [${dflt}]` : ''}: `);
        const next = await lines.next();
        if (next.done) throw new UsageError('init: standard input ended before every value was given');
        const answer = String(next.value).trim() || dflt || '';
        const bad = checkInitField(f.key, answer);
        if (!bad) {
          values[f.key] = answer;
          break;
        }
        io.err(`  ${bad}\n`);
      }
    }
  } finally {
    rl.close();
  }
  return values as Record<Field, string>;
}

export function registerInit(program: Command, ctx: CliContext): void {
  const init = program
    .command('init')
    .description(
      'production first start: create the data-center department (administrator) and its first API token on an empty database; the token is printed once, alone on stdout',
    )
    .option('--department-id <id>', 'the data center’s department id, e.g. gd-dc')
    .option('--name-zh <name>', 'its Chinese name, e.g. 广东省政务大数据中心')
    .option('--name-en <name>', 'its English name')
    .option('--credit-code <code>', 'its unified social credit code (GB 32100, check character verified)')
    .option('--region <code>', 'its GB/T 2260 region code (default: $GOVSHARE_REGION, else 440000)');
  addDatabaseOptions(init, 'PGlite data directory (default database of `govshare start`)').action(
    async (opts: InitOpts) => {
      const config = configFrom(
        { dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, dbSchema: opts.dbSchema },
        ctx.io,
      );
      const input = await collect(opts, ctx.io, config.region);
      const [{ openPlatform }, { initNode }] = await Promise.all([
        import('../../node/platform.js'),
        import('../../node/init.js'),
      ]);
      const platform = await openPlatform(config);
      let result;
      try {
        result = await initNode(platform, input);
      } finally {
        await platform.close();
      }
      // The token alone on stdout (TOKEN=$(govshare init ...)); what it is goes to stderr, without the token.
      ctx.io.out(`${result.token}\n`);
      ctx.io.err(
        `govshare: administrator department ${result.departmentId} created with token ${result.tokenId}: the token above is shown once, store it safely\n`,
      );
      ctx.code = 0;
    },
  );
}
