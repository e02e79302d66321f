import { readFile, rename, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { createAdminStores } from '../admin/index.js';
import { type AuditLog, createAuditLog } from '../audit/audit-log.js';
import { createTokenStore, localActor } from '../auth/token-store.js';
import { restoreBackup } from '../backup/restore-backup.js';
import { type BackupProgress, type BackupStores, takeBackup } from '../backup/take-backup.js';
import { readEnv } from '../config/env.js';
import { ConfigError, describeIssues, loadRegionConfig } from '../config/load-region.js';
import type { RegionConfig } from '../config/region-schema.js';
import { createDirectoryEntryStore } from '../directory/entries/entry-store.js';
import { AppError } from '../errors.js';
import { operatorPhoneProblem } from '../operators/operator-phone.js';
import { createExtensionPins } from '../self-service/extension-pins.js';
import { type Keys, keys } from '../store/keys.js';
import { connectRedis, type RedisNodeClient } from '../store/redis-client.js';

const backupArgs = z.object({
  out: z.string({ error: 'is required: the file to write' }).min(1),
  'with-calls': z.boolean().default(false),
  'with-audit': z.boolean().default(false),
});

const restoreArgs = z.object({
  file: z.string({ error: 'is required: the backup to restore' }).min(1),
  'dry-run': z.boolean().default(false),
});

/** The switchboard's stores on its Redis (REDIS_URL), as `vaxel import` has them. */
async function withStores<T>(
  what: string,
  work: (
    redis: RedisNodeClient,
    k: Keys,
    stores: BackupStores & { audit: AuditLog; region: RegionConfig },
  ) => Promise<T>,
): Promise<T> {
  const env = readEnv();
  if (!env.REDIS_URL)
    throw new ConfigError('the environment', [`REDIS_URL: ${what} needs the Redis the switchboard uses`]);
  const region = await loadRegionConfig(env.REGION_CONFIG);
  const redis = await connectRedis(env.REDIS_URL, { name: 'vaxel-cli' });
  try {
    const k = keys(env.REDIS_PREFIX);
    const audit = createAuditLog(redis, k, { retentionDays: env.AUDIT_RETENTION_DAYS });
    // The objects are checked as the API checks them: operator phones against the same networks.
    const admin = createAdminStores(redis, k, audit, region, {
      sipRealm: env.SIP_REALM,
      operatorPhoneProblem: operatorPhoneProblem(env.OPERATOR_PHONE_NETWORKS, region),
    });
    const entries = createDirectoryEntryStore(redis, k, audit);
    const tokens = createTokenStore(redis, k, audit);
    return await work(redis, k, { admin, entries, tokens, pins: createExtensionPins(redis, k, audit), audit, region });
  } finally {
    await redis.close();
  }
}

/** A bar per step; shown in logs too (noTTYOutput), where backups run from cron. Counts only, never contents. */
function progressBar(): { bar: SingleBar; onProgress: BackupProgress } {
  const bar = new SingleBar({
    format: ' {step} |{bar}| {value}/{total}',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
  });
  let started = false;
  const onProgress: BackupProgress = (step, done, total) => {
    if (!started) bar.start(total, done, { step: step.padEnd(13) });
    started = true;
    bar.setTotal(total);
    bar.update(done, { step: step.padEnd(13) });
    if (done === total) bar.render();
  };
  return { bar, onProgress };
}

/** `vaxel backup --out FILE [--with-calls] [--with-audit]`. */
export async function backupCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, 'with-calls': { type: 'boolean' }, 'with-audit': { type: 'boolean' } },
  });
  const parsed = backupArgs.safeParse(values);
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const { out } = parsed.data;
  const { bar, onProgress } = progressBar();
  const backup = await withStores('backup', (redis, k, stores) =>
    takeBackup(redis, k, stores, stores.region, {
      withCalls: parsed.data['with-calls'],
      withAudit: parsed.data['with-audit'],
      onProgress,
    }),
  ).finally(() => bar.stop());
  // Written beside and renamed: a backup that fails half-way never leaves half a file under the name.
  // Readable by its owner only: it holds SIP digests, token hashes and the directory's personal data.
  await writeFile(`${out}.partial`, `${JSON.stringify(backup, null, 1)}\n`, { mode: 0o600 });
  await rename(`${out}.partial`, out);
  const objects = Object.values(backup.admin).reduce((sum, list) => sum + list.length, 0);
  console.log(
    `Wrote ${out}: ${objects} admin objects, ${backup.directory.length} directory entries, ${backup.tokens.length} token hashes, ${Object.keys(backup.extensionPins).length} PIN hashes` +
      `${backup.calls ? `, ${backup.calls.length} call records` : ''}${backup.audit ? ', the audit log' : ''}.`,
  );
}

/** `vaxel restore --file FILE [--dry-run]`. */
export async function restoreCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { file: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const parsed = restoreArgs.safeParse(values);
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const { file } = parsed.data;
  const dryRun = parsed.data['dry-run'];
  const text = await readFile(file, 'utf8');
  const { bar, onProgress } = progressBar();
  try {
    const report = await withStores('restore', (redis, k, stores) =>
      restoreBackup(redis, k, stores, text, {
        source: file,
        actor: localActor(`vaxel restore (${userInfo().username})`),
        dryRun,
        onProgress,
      }),
    );
    bar.stop();
    const counts = Object.entries(report.counts)
      .map(([what, count]) => `${count} ${what}`)
      .join(', ');
    console.log(
      dryRun
        ? `Dry run: the backup is valid and the region is empty; restoring would write ${counts}. Nothing was changed.`
        : `Restored ${counts}. Start (or restart) the switchboard to serve them.`,
    );
  } catch (error) {
    bar.stop();
    if (!(error instanceof AppError)) throw error;
    console.error(`\nNothing was restored: ${error.message}`);
    process.exitCode = 1;
  }
}
