import type { Command } from 'commander';
import { printJson, type CliContext } from '../io.js';
import { addServerOptions } from '../server-options.js';
import { renderPairs, renderTable } from '../table.js';
import { apiFor, type JsonOpt } from './common.js';

interface Status {
  role: string;
  region: string;
  nodeKid: string;
  hub: string | null;
  trustList: {
    version: number | null;
    fetchedAt?: string | null;
    issuedAt?: string;
    lastAttemptAt?: string | null;
    lastError?: string | null;
  };
  peers: { region: string; url: string; lastFetchedAt?: string | null; lastError?: string | null; keys?: number }[];
  outbox: { pending: number; oldest: string | null; delivered: number };
  inbox: { received: number; lastAt: string | null };
}

export function renderFederationStatus(s: Status): string {
  const t = s.trustList;
  const head = renderPairs([
    ['role 角色', s.role],
    ['region 区域', s.region],
    ['node key 节点密钥', s.nodeKid],
    ['hub 国家枢纽', s.hub],
    ['trust list version 信任列表版本', t.version],
    [s.role === 'hub' ? 'issued 签发于' : 'last sync 最近同步', t.issuedAt ?? t.fetchedAt ?? null],
    ['last sync error 同步错误', t.lastError ?? null],
    [
      'outbox backlog 待发送',
      `${s.outbox.pending}${s.outbox.oldest ? ` (oldest ${s.outbox.oldest})` : ''}, ${s.outbox.delivered} delivered`,
    ],
    ['inbox 已接收', `${s.inbox.received}${s.inbox.lastAt ? ` (last ${s.inbox.lastAt})` : ''}`],
  ]);
  const peers = renderTable(
    ['PEER', 'URL', 'LAST FETCH', 'KEYS', 'ERROR'],
    s.peers.map((p) => [p.region, p.url, p.lastFetchedAt ?? null, p.keys ?? null, p.lastError ?? null]),
  );
  return `${head}\nPeers 对端节点:\n${peers}`;
}

export function registerFederation(program: Command, ctx: CliContext): void {
  const fed = program.command('federation').description('the national hub and region nodes 跨区域联邦');

  const status = fed
    .command('status')
    .description('role, peers, last sync, outbox backlog, trust-list version (administrator)')
    .option('--json', 'print as JSON');
  addServerOptions(status).action(async (opts: JsonOpt, cmd: Command) => {
    const s = await apiFor(cmd, ctx).request<Status>('GET', '/api/v1/federation/status');
    if (opts.json) printJson(ctx.io, s);
    else ctx.io.out(renderFederationStatus(s));
    ctx.code = 0;
  });

  const register = fed
    .command('register')
    .description('register a region node at the hub (hub administrator); the hub fetches and pins its node key')
    .requiredOption('--region <code>', 'the region’s GB/T 2260 code')
    .requiredOption('--node-url <url>', 'the region node’s URL as the hub reaches it')
    .option('--json', 'print as JSON');
  addServerOptions(register).action(async (opts: JsonOpt & { region: string; nodeUrl: string }, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<{ region: string; url: string; nodeKid: string }>(
      'POST',
      '/api/v1/federation/regions',
      { json: { region: opts.region, url: opts.nodeUrl } },
    );
    if (opts.json) printJson(ctx.io, r);
    else ctx.io.out(`registered region ${r.region} at ${r.url} (node key ${r.nodeKid})\n`);
    ctx.code = 0;
  });

  const revoke = fed
    .command('revoke-key')
    .description('revoke a region’s code-signing key nationally (hub administrator)')
    .argument('<kid>', 'the key id (base64 or base64url)')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print as JSON');
  addServerOptions(revoke).action(async (kid: string, opts: JsonOpt & { reason: string }, cmd: Command) => {
    const r = await apiFor(cmd, ctx).request<{ revoked: string }>(
      'POST',
      `/api/v1/federation/keys/${Buffer.from(kid, 'base64').toString('base64url')}/revoke`,
      { json: { reason: opts.reason } },
    );
    if (opts.json) printJson(ctx.io, r);
    else
      ctx.io.out(
        `revoked ${r.revoked} in the national trust list; regions stop accepting its codes after their next sync\n`,
      );
    ctx.code = 0;
  });
}
