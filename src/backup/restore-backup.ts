import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/access.js';
import { ConfigError, describeIssues, formatPath } from '../config/load-region.js';
import { directoryEntryInputSchema, toEntry, toInput } from '../directory/entries/entry-schema.js';
import { AppError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import { WatchError } from 'redis';
import { type RedisClient, type RedisNodeClient, scanKeys } from '../store/redis-client.js';
import { type BackupFile, backupFileSchema } from './backup-file.js';
import type { BackupProgress, BackupStores } from './take-backup.js';

export interface RestoreReport {
  /** Objects restored (or, on a dry run, that would be) by section: "extension", "directory", "tokens", … */
  counts: Record<string, number>;
  /** Redis commands of the one transaction. */
  commands: number;
  dryRun: boolean;
}

/** Keys read, watched and checked at once (one pipeline each). */
const SLICE = 1000;

/**
 * What says a region has data: a restore goes only into an empty one, so that it never mixes
 * two regions' objects or overwrites what someone configured since.
 */
const REGION_DATA = [
  { what: 'admin objects', pattern: (k: Keys) => k.adminObject('*', '*') },
  { what: 'claimed numbers', pattern: (k: Keys) => k.claim('*') },
  { what: 'directory entries', pattern: (k: Keys) => k.directoryEntries() },
  { what: 'API tokens', pattern: (k: Keys) => k.tokens() },
  { what: 'API tokens', pattern: (k: Keys) => k.token('*') },
  { what: 'extension PINs', pattern: (k: Keys) => k.extensionPin('*') },
];

/**
 * Loads a backup (backup-file.ts) into an empty region, all or nothing: every object is checked
 * first by the schema its API uses and against the others (one holder per claimed value,
 * references that exist, audit ids in order), and the file is refused naming each bad field;
 * then the target is checked empty and everything is written in one MULTI/EXEC, watched, so a
 * failure (or a change to the target meanwhile) leaves Redis as it was. Versions are kept, so
 * ETags and the next change go on from them. A dry run does everything but the write.
 */
export async function restoreBackup(
  // One Redis (REDIS_URL), not Sentinel: WATCH needs a connection of its own to the master.
  redis: RedisNodeClient,
  k: Keys,
  stores: BackupStores & { audit: AuditLog },
  text: string,
  {
    source,
    actor,
    dryRun = false,
    onProgress = () => undefined,
  }: { source: string; actor: Principal; dryRun?: boolean; onProgress?: BackupProgress },
): Promise<RestoreReport> {
  onProgress('checking', 0, 1);
  const backup = parseBackup(text, source, stores);
  const { commands, counts } = restoreCommands(backup, stores, k, source);
  onProgress('checking', 1, 1);

  // A connection of its own for WATCH. A dropped connection fails the command awaited below; the
  // listener only keeps node-redis from turning the same error into an uncaught one.
  const connection = redis.duplicate();
  connection.on('error', () => undefined);
  await connection.connect();
  try {
    const written = [...new Set(commands.map((command) => command[1]!))];
    // Counters and appended streams (admin-version, the directory's change stream) may exist in an
    // empty region: they go on from where they are. Every other key must be new.
    const created = [
      ...new Set(
        commands.filter(([name, key]) => name !== 'INCR' && key !== k.directoryChanges()).map((command) => command[1]!),
      ),
    ];
    onProgress('target', 0, created.length);
    await assertNoRegionData(connection, k);
    // Watched from here: a key written by anyone before EXEC makes EXEC do nothing.
    for (let at = 0; at < written.length; at += SLICE) await connection.watch(written.slice(at, at + SLICE));
    for (let at = 0; at < created.length; at += SLICE) {
      onProgress('target', at, created.length);
      const slice = created.slice(at, at + SLICE);
      const found = await connection.exists(slice);
      if (found > 0) throw regionNotEmpty(k, `${found} of the keys the backup would write exist already`);
    }
    onProgress('target', created.length, created.length);
    if (dryRun) {
      await connection.unwatch();
      return { counts, commands: commands.length, dryRun };
    }

    onProgress('writing', 0, 1);
    const tx = connection.multi();
    for (const command of commands) tx.addCommand(command);
    stores.audit.append(tx, actor, {
      action: 'create',
      object: { type: 'restore', id: backup.createdAt },
      after: { backupCreatedAt: backup.createdAt, backupPrefix: backup.prefix, counts },
    });
    try {
      await tx.exec();
    } catch (error) {
      if (error instanceof WatchError)
        throw new AppError(
          409,
          'region_changed',
          'The target region was written to during the restore: nothing was restored',
        );
      throw error;
    }
    onProgress('writing', 1, 1);
    return { counts, commands: commands.length, dryRun };
  } finally {
    await connection.close();
  }
}

function parseBackup(text: string, source: string, stores: BackupStores): BackupFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [`(top level): is not JSON (${(error as Error).message})`]);
  }
  const parsed = backupFileSchema(stores.admin).safeParse(json);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  return parsed.data;
}

/** The file's objects as Redis commands, once they agree with each other; ConfigError naming every problem otherwise. */
function restoreCommands(
  backup: BackupFile,
  stores: BackupStores,
  k: Keys,
  source: string,
): { commands: string[][]; counts: Record<string, number> } {
  const problems: string[] = [];
  const commands: string[][] = [];
  const counts: Record<string, number> = {};
  const once = <T>(items: T[], key: (item: T) => string, path: (i: number) => string, what: string) => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const seen = first.get(key(item));
      if (seen === undefined) first.set(key(item), i);
      else problems.push(`${path(i)}: ${what} ${key(item)} is also at ${path(seen)}`);
    });
  };

  // Directory entries: their content as the API checks it, stored as the API would store it.
  const entries = backup.directory.flatMap((entry, i) => {
    const input = directoryEntryInputSchema.safeParse(toInput(entry));
    if (input.success) return [toEntry(input.data, entry.id, entry.version, entry.updatedAt)];
    for (const issue of input.error.issues)
      problems.push(`directory[${i}].${formatPath(issue.path)}: ${issue.message}`);
    return [];
  });
  once(
    backup.directory,
    (e) => e.id,
    (i) => `directory[${i}].id`,
    'id',
  );
  const listed = backup.directory.flatMap((e, i) => [
    ...(e.extension ? [{ value: `extension ${e.extension}`, at: `directory[${i}].extension` }] : []),
    ...e.phoneNumbers.map((n, j) => ({ value: `number ${n}`, at: `directory[${i}].phoneNumbers[${j}]` })),
  ]);
  once(
    listed,
    (l) => l.value,
    (i) => listed[i]!.at,
    'the',
  );
  const entryMunicipality = new Map(backup.directory.map((e) => [e.id, e.municipalityId]));

  // Admin objects: one holder per claimed value across every kind, and references that exist.
  const kinds = Object.values(stores.admin);
  const claimed = new Map<string, string>();
  const admin = kinds.flatMap((store) =>
    (backup.admin[store.type] ?? []).map((object, i) => ({ store, object, at: `admin.${store.type}[${i}]` })),
  );
  for (const store of kinds)
    once(
      backup.admin[store.type] ?? [],
      (o) => o.id,
      (i) => `admin.${store.type}[${i}].id`,
      'id',
    );
  for (const { store, object, at } of admin) {
    for (const { claim, field } of store.claimsOf(object.doc as never).claims) {
      const holder = claimed.get(claim);
      if (holder) problems.push(`${at}.doc.${field}: ${claim} is also claimed by ${holder}`);
      else claimed.set(claim, at);
    }
  }
  for (const { store, object, at } of admin) {
    const doc = object.doc as { municipalityId: string };
    for (const { claim, field } of store.claimsOf(doc as never).refs) {
      const entryId = claim.startsWith('directory-entry:') ? claim.slice('directory-entry:'.length) : undefined;
      const exists = entryId === undefined ? claimed.has(claim) : entryMunicipality.get(entryId) === doc.municipalityId;
      if (!exists) problems.push(`${at}.doc.${field}: points at ${claim}, which nothing in the backup holds`);
    }
  }

  const extensionIds = new Set((backup.admin[stores.admin.extensions.type] ?? []).map((o) => o.id));
  for (const id of Object.keys(backup.extensionPins))
    if (!extensionIds.has(id)) problems.push(`extensionPins.${id}: no extension in the backup has this id`);

  once(
    backup.tokens,
    (t) => t.record.id,
    (i) => `tokens[${i}].record.id`,
    'id',
  );
  // tokenAccounts may name tokens and accounts long gone: statistics keep naming their old calls by them.
  once(
    backup.calls ?? [],
    (c) => c.id,
    (i) => `calls[${i}].id`,
    'id',
  );
  for (const [scope, stream] of Object.entries(backup.audit ?? {})) {
    stream.forEach((entry, i) => {
      // XADD refuses an id not above the last: checked here, since EXEC does not undo the commands before it.
      if (i > 0 && compareStreamIds(entry.id, stream[i - 1]!.id) <= 0)
        problems.push(`audit.${scope}[${i}].id: must come after the entry before it (${stream[i - 1]!.id})`);
    });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  for (const { store, object } of admin) commands.push(...store.restoreCommands(object as never));
  for (const store of kinds) counts[store.type] = backup.admin[store.type]?.length ?? 0;
  for (const [id, hashed] of Object.entries(backup.extensionPins))
    commands.push(...stores.pins.restoreCommands(id, hashed));
  counts['extension PINs'] = Object.keys(backup.extensionPins).length;
  // App instances cache what callers meet until this counter moves (media/arrival/arrival-config.ts).
  commands.push(['INCR', k.adminVersion()]);
  entries.forEach((entry, i) => commands.push(...stores.entries.restoreCommands(entry, i + 1)));
  counts.directory = entries.length;
  const now = Date.now();
  const tokens = backup.tokens.map((token) => stores.tokens.restoreCommands(token, now));
  for (const written of tokens) commands.push(...written);
  counts.tokens = tokens.filter((written) => written.length > 0).length;
  for (const [tokenId, accountId] of Object.entries(backup.tokenAccounts))
    commands.push(['HSET', k.operatorTokenAccounts(), tokenId, accountId]);
  if (backup.calls) {
    for (const call of backup.calls) {
      commands.push(['HSET', k.call(call.id), ...Object.entries(call.fields).flat()]);
      commands.push(['ZADD', k.callsByTime(), String(call.byTime), call.id]);
      for (const { municipalityId, score } of call.byMunicipality)
        commands.push(['ZADD', k.callsByMunicipality(municipalityId), String(score), call.id]);
    }
    counts.calls = backup.calls.length;
  }
  if (backup.audit) {
    for (const [scope, stream] of Object.entries(backup.audit))
      for (const { id, fields } of stream)
        commands.push(['XADD', k.audit(scope), id, ...Object.entries(fields).flat()]);
    counts.audit = Object.values(backup.audit).reduce((sum, stream) => sum + stream.length, 0);
  }
  return { commands, counts };
}

/** Stream ids "ms-seq" in order. */
function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}

async function assertNoRegionData(redis: RedisClient, k: Keys): Promise<void> {
  for (const { what, pattern } of REGION_DATA) {
    for await (const batch of scanKeys(redis, { MATCH: pattern(k), COUNT: SLICE }))
      if (batch.length > 0) throw regionNotEmpty(k, `it holds ${what}`);
  }
}

const regionNotEmpty = (k: Keys, why: string) =>
  new AppError(
    409,
    'region_not_empty',
    `The region under the Redis key prefix "${k.prefix}" is not empty (${why}): a backup is restored only into an empty region, so nothing was restored`,
  );
