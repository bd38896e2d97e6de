import type { AuditSink } from '../audit/entry.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/types.js';

/** The node's shared services: database, field keys, audit ledger and settings. One per process. */
export interface Platform {
  readonly db: Db;
  /** Field-encryption keys and the blind-index key; replaced in place when keys rotate. */
  ring: Keyring;
  readonly audit: AuditSink;
  readonly settings: PlatformSettings;
}

export interface PlatformSettings {
  /** Working days an owner has to answer a conditional request (State Council interim measures: 10). */
  answerWorkingDays: number;
  /** The node's region: GB/T 2260 code written as `iss` into its health codes and used to pick its rule set. */
  region: string;
  /** Lifetime of an issued health code, in seconds (default 300). */
  codeTtlSeconds: number;
  /** Days venue scans, checkpoint scans and itineraries are kept (default 21). */
  retentionDays: number;
  /** Federation (docs/federation.md): this node's role, the hub's URL for a region node, the sync interval. */
  federation: FederationSettings;
}

export interface FederationSettings {
  role: 'standalone' | 'hub' | 'region';
  hubUrl: string | undefined;
  /** The hub's node key (DER SPKI, base64) when configured; else pinned on first contact. */
  hubKey: string | undefined;
  syncMs: number;
}
