import { createPublicKey } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { TrustLookup } from '../../healthcode/hcert/index.js';
import type { CheckAnswer } from '../../healthcode/codes/check.js';
import type { IssuedHealthCode } from '../../healthcode/codes/issue.js';
import type { CodeKeyInfo } from '../../healthcode/codes/keys.js';
import type { PublishedTrustList } from '../../healthcode/codes/trustlist.js';
import { CliError, UsageError } from '../errors.js';
import { printJson, type CliContext, type Io } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderTable } from '../table.js';
import type { ListOf } from '../types.js';
import { apiFor, seg, type JsonOpt } from './common.js';

// The codec (CBOR, COSE, QR) is loaded only by the commands that need it, not on every govshare start.
const hcert = () => import('../../healthcode/hcert/index.js');

const ADMIN_TOKEN = 'data-center administrator API token';
const CODE_ARG = 'the code text, GSHC1:... (quote it: it may contain spaces); - reads it from standard input';

/** The image format for a --qr file, from its extension. */
export function qrFormatOf(file: string): 'svg' | 'png' {
  const ext = extname(file).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext.slice(1) as 'svg' | 'png';
  throw new UsageError(`--qr ${file}: the file name must end in .svg or .png (the image format is taken from it)`);
}

async function readStdin(io: Io): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += String(chunk);
  return text;
}

async function codeText(io: Io, arg: string): Promise<string> {
  const text = arg === '-' ? (await readStdin(io)).replace(/[\r\n]+$/, '') : arg;
  if (text === '') throw new UsageError('no code given');
  return text;
}

function writeFile(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function isTrustList(v: unknown): v is PublishedTrustList {
  const d = v as PublishedTrustList | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.list === 'object' &&
    d.list !== null &&
    Array.isArray(d.list.entries) &&
    typeof d.signature?.value === 'string' &&
    typeof d.signer?.publicKey === 'string'
  );
}

/** Checks a trust list's signature with its signer key (and the pinned signer kid, if given); returns its lookup. */
export async function checkedTrustList(
  doc: unknown,
  where: string,
  signerKid?: string,
): Promise<{ doc: PublishedTrustList; lookup: TrustLookup }> {
  const { trustLookup, verifyTrustList } = await hcert();
  if (!isTrustList(doc)) throw new CliError(`${where} is not a govshare trust list ({ list, signature, signer })`);
  if (signerKid !== undefined && doc.signature.kid !== signerKid)
    throw new CliError(`${where} is signed by key ${doc.signature.kid}, not the pinned signer ${signerKid}`);
  let ok = false;
  try {
    ok = verifyTrustList(
      doc,
      createPublicKey({ key: Buffer.from(doc.signer.publicKey, 'base64'), format: 'der', type: 'spki' }),
    );
  } catch {
    ok = false;
  }
  if (!ok)
    throw new CliError(
      `the signature of ${where} does not verify: the list was altered or is not signed by its signer key`,
    );
  try {
    return { doc, lookup: trustLookup(doc.list) };
  } catch (err) {
    throw new CliError(`${where}: ${(err as Error).message}`);
  }
}

function readTrustFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CliError(`cannot read the trust list ${file}: ${(err as Error).message}`);
  }
}

const kidUrl = (kid: string): string => {
  if (!/^[A-Za-z0-9+/_-]{11}=?$/.test(kid))
    throw new UsageError(`'${kid}' is not a code key id (8 bytes in base64 or base64url, see govshare code keys)`);
  return Buffer.from(kid.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('base64url');
};

function registerIssue(code: Command, ctx: CliContext): void {
  const issue = code
    .command('issue')
    .description('issue a person’s health code (administrator; audited) and print its text / 签发健康码')
    .argument('<citizenId>', 'the person’s citizen ID number (18 characters, GB 11643)')
    .option('--qr <file>', 'also write the QR image to this file: .svg or .png')
    .option('--json', 'print { code, colour, issuedAt, expiresAt, kid, cti } as JSON');
  addServerOptions(issue, ADMIN_TOKEN).action(
    async (citizenId: string, opts: JsonOpt & { qr?: string }, cmd: Command) => {
      const format = opts.qr === undefined ? undefined : qrFormatOf(opts.qr);
      const issued = await apiFor(cmd, ctx).request<IssuedHealthCode>('POST', '/api/v1/codes', { json: { citizenId } });
      if (opts.qr !== undefined) {
        const { renderQrPng, renderQrSvg } = await hcert();
        writeFile(opts.qr, format === 'png' ? await renderQrPng(issued.code) : await renderQrSvg(issued.code));
      }
      if (opts.json) printJson(ctx.io, issued);
      else {
        ctx.io.out(`${issued.code}\n`);
        ctx.io.err(
          `${issued.colour} code, key ${issued.kid}, expires ${issued.expiresAt}${opts.qr !== undefined ? `; QR written to ${opts.qr}` : ''}\n`,
        );
      }
      ctx.code = 0;
    },
  );
}

function registerVerify(code: Command, ctx: CliContext): void {
  const verify = code
    .command('verify')
    .description(
      'verify a code OFFLINE with a trust list (a saved file, else fetched from the server once); prints JSON, exit 1 when invalid / 离线验证',
    )
    .argument('<code>', CODE_ARG)
    .option('--trust-list <file>', 'a trust list saved with govshare code trust-list --out (no server needed)')
    .option('--signer <kid>', 'accept only a trust list signed by this node key id (pin it)')
    .option('--json', 'print the verdict as JSON (what this command always prints; accepted like everywhere else)');
  addServerOptions(verify, 'not needed: the trust list is public').action(
    async (arg: string, opts: { trustList?: string; signer?: string }, cmd: Command) => {
      const text = await codeText(ctx.io, arg);
      const api = opts.trustList === undefined ? apiFor(cmd, ctx) : undefined;
      const raw = api ? await api.request<unknown>('GET', '/api/v1/trust-list') : readTrustFile(opts.trustList!);
      const trust = await checkedTrustList(raw, opts.trustList ?? 'the server’s trust list', opts.signer);
      // A federated node also serves the national list (every region's keys, signed by the hub): verify with both.
      const nationalRaw = api
        ? await api.request<unknown>('GET', '/api/v1/federation/trust-list').catch(() => undefined)
        : undefined;
      const national =
        nationalRaw === undefined ? undefined : await checkedTrustList(nationalRaw, 'the national trust list');
      const lookup: TrustLookup = national
        ? (kid) => {
            const n = national.lookup(kid);
            return n?.status === 'revoked' ? n : (trust.lookup(kid) ?? n);
          }
        : trust.lookup;
      const [{ verifyCode }, { verdictOf }] = await Promise.all([hcert(), import('../../healthcode/codes/verdict.js')]);
      const verdict = verdictOf(verifyCode(text, lookup));
      const list = trust.doc.list;
      printJson(ctx.io, {
        ...verdict,
        trustList: {
          version: list.version,
          issuer: list.issuer,
          issuedAt: list.issuedAt,
          signer: trust.doc.signature.kid,
        },
        ...(national
          ? {
              nationalTrustList: {
                version: national.doc.list.version,
                issuer: national.doc.list.issuer,
                signer: national.doc.signature.kid,
              },
            }
          : {}),
      });
      ctx.code = verdict.valid ? 0 : 1;
    },
  );
}

function registerTrustList(code: Command, ctx: CliContext): void {
  const tl = code
    .command('trust-list')
    .description('fetch the node’s signed trust list (checks its signature) and print or save it / 信任列表')
    .option('--out <file>', 'save it to this file (for govshare code verify --trust-list)')
    .option(
      '--national',
      'the national trust list the node keeps (every region’s keys, signed by the hub) instead of its own',
    );
  addServerOptions(tl, 'not needed: the trust list is public').action(
    async (opts: { out?: string; national?: boolean }, cmd: Command) => {
      const raw = await apiFor(cmd, ctx).request<unknown>(
        'GET',
        opts.national ? '/api/v1/federation/trust-list' : '/api/v1/trust-list',
      );
      const { doc } = await checkedTrustList(
        raw,
        opts.national ? 'the national trust list' : 'the server’s trust list',
      );
      if (opts.out === undefined) printJson(ctx.io, doc);
      else {
        writeFile(opts.out, `${JSON.stringify(doc, null, 2)}\n`);
        ctx.io.err(
          `trust list version ${doc.list.version} (${doc.list.entries.length} keys, signed by ${doc.signature.kid}) saved to ${opts.out}\n`,
        );
      }
      ctx.code = 0;
    },
  );
}

function registerCheck(code: Command, ctx: CliContext): void {
  const check = code
    .command('check')
    .description(
      'check a code ONLINE at a checkpoint or venue: the person’s current colour; the scan is recorded; exit 1 when invalid / 在线核验',
    )
    .argument('<code>', CODE_ARG)
    .option('--venue <venue>', 'the venue or place code where the code was scanned');
  addServerOptions(check, 'department API token of the checkpoint or venue operator').action(
    async (arg: string, opts: { venue?: string }, cmd: Command) => {
      const text = await codeText(ctx.io, arg);
      const answer = await apiFor(cmd, ctx).request<CheckAnswer>('POST', '/api/v1/checks', {
        json: { code: text, ...(opts.venue !== undefined ? { venue: opts.venue } : {}) },
      });
      printJson(ctx.io, answer);
      ctx.code = answer.valid ? 0 : 1;
    },
  );
}

function registerKeyCommands(code: Command, ctx: CliContext): void {
  const keys = code
    .command('keys')
    .description('the code-signing keys and whether each is in the trust list (administrator)')
    .option('--json', 'print { items } as JSON');
  addServerOptions(keys, ADMIN_TOKEN).action(async (opts: JsonOpt, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<ListOf<CodeKeyInfo>>('GET', '/api/v1/admin/code-keys');
    if (opts.json) printJson(ctx.io, res);
    else
      ctx.io.out(
        renderTable(
          ['KID', 'STATUS', 'CREATED', 'RETIRED', 'VALID TO', 'LISTED'],
          res.items.map((k) => [k.kidUrl, k.status, k.createdAt, k.retiredAt, k.validTo, k.listed ? 'yes' : 'no']),
        ),
      );
    ctx.code = 0;
  });

  const rotate = code
    .command('rotate-key')
    .description(
      'make a new code-signing key active now; the old one verifies its codes until they expire (administrator)',
    )
    .option('--json', 'print { active, retired } as JSON');
  addServerOptions(rotate, ADMIN_TOKEN).action(async (opts: JsonOpt, cmd: Command) => {
    const res = await apiFor(cmd, ctx).request<{ active: CodeKeyInfo; retired: string[] }>(
      'POST',
      '/api/v1/admin/code-keys/rotate',
    );
    if (opts.json) printJson(ctx.io, res);
    else
      ctx.io.out(
        `code key ${res.active.kidUrl} is active now${res.retired.length ? `; retired ${res.retired.map((k) => Buffer.from(k, 'base64').toString('base64url')).join(', ')}` : ''}\n`,
      );
    ctx.code = 0;
  });

  const revoke = code
    .command('revoke-key')
    .description('revoke a code-signing key: every code it signed fails (key_revoked) (administrator)')
    .argument('<kid>', 'the key id, base64url or base64 (govshare code keys)')
    .option('--reason <text>', 'why (kept in the audit ledger)')
    .option('--json', 'print { revoked, active } as JSON');
  addServerOptions(revoke, ADMIN_TOKEN).action(
    async (kid: string, opts: JsonOpt & { reason?: string }, cmd: Command) => {
      const res = await apiFor(cmd, ctx).request<{ revoked: CodeKeyInfo; active: CodeKeyInfo }>(
        'POST',
        `/api/v1/admin/code-keys/${seg(kidUrl(kid))}/revoke`,
        {
          json: opts.reason !== undefined ? { reason: opts.reason } : {},
        },
      );
      if (opts.json) printJson(ctx.io, res);
      else ctx.io.out(`code key ${res.revoked.kidUrl} is revoked; active key: ${res.active.kidUrl}\n`);
      ctx.code = 0;
    },
  );
}

export function registerCode(program: Command, ctx: CliContext): void {
  const code = program
    .command('code')
    .description('health codes: issue, verify offline, check online, the trust list and code keys / 健康码');
  registerIssue(code, ctx);
  registerVerify(code, ctx);
  registerTrustList(code, ctx);
  registerCheck(code, ctx);
  registerKeyCommands(code, ctx);
}
