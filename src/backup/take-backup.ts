import type { AdminStores } from '../admin/index.js';
import type { TokenStore } from '../auth/token-store.js';
import type { RegionConfig } from '../config/region-schema.js';
import type { DirectoryEntryStore } from '../directory/entries/entry-store.js';
import { AppError } from '../errors.js';
import type { ExtensionPins } from '../self-service/extension-pins.js';
import type { Keys } from '../store/keys.js';
import { type RedisClient, scanKeys } from '../store/redis-client.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupAuditEntry,
  type BackupCall,
  type BackupFile,
} from './backup-file.js';

/** The stores a backup reads and a restore writes through: the switchboard's own (services.ts). */
export interface BackupStores {
  admin: AdminStores;
  entries: DirectoryEntryStore;
  tokens: TokenStore;
  pins: Pick<ExtensionPins, 'backupPins' | 'restoreCommands'>;
}

/** A step of a backup or restore: `done` of `total` things of that step. */
export type BackupProgress = (step: string, done: number, total: number) => void;

/** Tries to read the region between two changes before giving up (a region changed all the time is being imported into). */
const ATTEMPTS = 3;

/**
 * Reads the region's configuration (and, asked, its ended call records and audit log) into a
 * backup. Each object is read whole; the whole is read again when an admin or directory change
 * came in between (both move a counter), so the file is one moment of the configuration.
 */
export async function takeBackup(
  redis: RedisClient,
  k: Keys,
  stores: BackupStores,
  region: RegionConfig,
  {
    withCalls = false,
    withAudit = false,
    onProgress = () => undefined,
  }: { withCalls?: boolean; withAudit?: boolean; onProgress?: BackupProgress } = {},
): Promise<BackupFile> {
  const moment = () => redis.mGet([k.adminVersion(), k.directoryChangeSeq()]).then((v) => v.join('/'));
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const before = await moment();
    const kinds = Object.values(stores.admin);
    const admin: Record<string, unknown[]> = {};
    for (const [i, store] of kinds.entries()) {
      onProgress('admin objects', i, kinds.length);
      admin[store.type] = await (store.backupObjects as () => Promise<unknown[]>)();
    }
    onProgress('admin objects', kinds.length, kinds.length);
    const extensionPins = await stores.pins.backupPins(
      (admin[stores.admin.extensions.type] as { id: string }[]).map(({ id }) => id),
    );
    onProgress('directory', 0, 1);
    const directory = await stores.entries.backupEntries();
    onProgress('directory', 1, 1);
    const tokens = await stores.tokens.backupTokens();
    const tokenAccounts = await redis.hGetAll(k.operatorTokenAccounts());
    if ((await moment()) !== before) continue;
    return {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      prefix: k.prefix,
      municipalities: region.municipalities.map((m) => m.id),
      admin,
      extensionPins,
      directory,
      tokens,
      tokenAccounts,
      ...(withCalls ? { calls: await endedCalls(redis, k, onProgress) } : {}),
      ...(withAudit ? { audit: await auditStreams(redis, k, onProgress) } : {}),
    } as BackupFile;
  }
  throw new AppError(
    503,
    'region_changing',
    `The region's configuration changed during each of ${ATTEMPTS} attempts to read it (an import under way?): try again`,
  );
}

/** Ids and fields read at once (one pipeline): the connection may be a running switchboard's Redis. */
const SLICE = 500;

/** Every ended call record, with its index scores; calls under way are not configuration and are left out. */
async function endedCalls(redis: RedisClient, k: Keys, onProgress: BackupProgress): Promise<BackupCall[]> {
  const indexed = await redis.zRangeWithScores(k.callsByTime(), 0, -1);
  const calls: BackupCall[] = [];
  for (let at = 0; at < indexed.length; at += SLICE) {
    onProgress('call records', at, indexed.length);
    const slice = indexed.slice(at, at + SLICE);
    const read = await Promise.all(
      slice.map(async ({ value: id, score }) => {
        const fields = await redis.hGetAll(k.call(id));
        if (fields.state !== 'ended') return undefined;
        // Indexed under the municipality it arrived for: overflowFrom once it overflowed (calls-prune-1.lua).
        const under = [...new Set([fields.municipalityId, fields.overflowFrom].filter((m) => m !== undefined))];
        const scores = await Promise.all(under.map((m) => redis.zScore(k.callsByMunicipality(m), id)));
        const byMunicipality = under.flatMap((municipalityId, i) =>
          scores[i] === null ? [] : [{ municipalityId, score: scores[i]! }],
        );
        return { id, fields, byTime: score, byMunicipality };
      }),
    );
    calls.push(...read.filter((call) => call !== undefined));
  }
  onProgress('call records', indexed.length, indexed.length);
  return calls;
}

/** Every audit stream, oldest entry first, with its stream ids. */
async function auditStreams(
  redis: RedisClient,
  k: Keys,
  onProgress: BackupProgress,
): Promise<Record<string, BackupAuditEntry[]>> {
  const streams: string[] = [];
  for await (const batch of scanKeys(redis, { MATCH: k.audit('*'), TYPE: 'stream', COUNT: 1000 }))
    streams.push(...batch);
  const audit: Record<string, BackupAuditEntry[]> = {};
  for (const [i, key] of streams.sort().entries()) {
    onProgress('audit streams', i, streams.length);
    const entries = await redis.xRange(key, '-', '+');
    audit[key.slice(k.audit('').length)] = (entries ?? []).map(({ id, message }) => ({
      id,
      fields: message as Record<string, string>,
    }));
  }
  onProgress('audit streams', streams.length, streams.length);
  return audit;
}
