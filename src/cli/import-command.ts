import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { extensionCsvTransfer } from '../admin/extension-csv.js';
import { createAdminStores } from '../admin/index.js';
import type { Principal } from '../auth/access.js';
import { createAuditLog } from '../audit/audit-log.js';
import { localActor } from '../auth/token-store.js';
import { readEnv } from '../config/env.js';
import { ConfigError, describeIssues, loadRegionConfig } from '../config/load-region.js';
import { entryCsvTransfer } from '../directory/entries/entry-csv.js';
import { createDirectoryStore } from '../directory/directory-store.js';
import { createDirectoryEntryStore } from '../directory/entries/entry-store.js';
import { AppError } from '../errors.js';
import { importCsv, writeCsv, type CsvTransfer, type ImportReport } from '../import/csv-table.js';
import type { ImportPhase, ImportProgress } from '../import/staged-import.js';
import { keys } from '../store/keys.js';
import { connectRedis } from '../store/redis-client.js';

const KINDS = ['entries', 'extensions'] as const;
type Kind = (typeof KINDS)[number];

const importArgs = z.object({
  kind: z.enum(KINDS, { error: `say what the file holds: ${KINDS.join(' or ')}` }),
  municipality: z.string({ error: 'is required' }).regex(/^\d{4}$/, 'must be a four-digit SCB kommunkod'),
  file: z.string({ error: 'is required: the CSV file' }).min(1),
  mode: z.enum(['replace', 'upsert']).default('upsert'),
  'dry-run': z.boolean().default(false),
});

const exportArgs = importArgs
  .pick({ kind: true, municipality: true })
  .extend({ out: z.string({ error: 'is required: the file to write' }).min(1) });

/**
 * The kind's CSV transfer on the switchboard's Redis (REDIS_URL), as `token create` uses it;
 * changes are audited as this command, and an import's progress is told to `onProgress`.
 */
async function withTransfer<T>(
  kind: Kind,
  what: string,
  work: (transfer: CsvTransfer<unknown>, actor: Principal) => Promise<T>,
  onProgress?: ImportProgress,
): Promise<T> {
  const env = readEnv();
  if (!env.REDIS_URL)
    throw new ConfigError('the environment', [`REDIS_URL: ${what} needs the Redis the switchboard uses`]);
  const redis = await connectRedis(env.REDIS_URL, { name: 'vaxel-cli' });
  try {
    const k = keys(env.REDIS_PREFIX);
    const audit = createAuditLog(redis, k, { retentionDays: env.AUDIT_RETENTION_DAYS });
    const region = await loadRegionConfig(env.REGION_CONFIG);
    // Entries are checked against the members' numbers and ranges in Redis: written from the
    // config here as the switchboard does at start, so an import works before its first start too.
    await createDirectoryStore(redis, k).syncRegion(region);
    // Each transfer's inputs only pass from its own format to its own write, so its input type need not be known here.
    const transfers: Record<Kind, () => unknown> = {
      entries: () => entryCsvTransfer(createDirectoryEntryStore(redis, k, audit), { onProgress }),
      extensions: () =>
        extensionCsvTransfer(createAdminStores(redis, k, audit, region, { sipRealm: env.SIP_REALM }).extensions, {
          onProgress,
        }),
    };
    return await work(
      (await transfers[kind]()) as CsvTransfer<unknown>,
      localActor(`vaxel ${what} (${userInfo().username})`),
    );
  } finally {
    await redis.close();
  }
}

/** `vaxel import entries|extensions --municipality K --file F [--mode replace|upsert] [--dry-run]`. */
export async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      municipality: { type: 'string' },
      file: { type: 'string' },
      mode: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
  const parsed = importArgs.safeParse({ ...values, kind: positionals[0] });
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const { kind, municipality, file, mode } = parsed.data;
  const dryRun = parsed.data['dry-run'];
  const text = await readFile(file, 'utf8');

  // Shown in logs too (noTTYOutput), where imports are often run from scripts.
  const bar = new SingleBar({
    format: ' {phase} |{bar}| {value}/{total} rows',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
  });
  const show = (phase: string, done: number, total: number) => {
    bar.setTotal(total);
    bar.update(done, { phase: phase.padEnd(9) });
    // Each phase's end gets its own line in a log (not a terminal), whatever the bar's schedule.
    if (done === total) bar.render();
  };
  let report: ImportReport;
  try {
    report = await withTransfer(
      kind,
      'import',
      async (transfer, actor) => {
        bar.start(1, 0, { phase: 'reading'.padEnd(9) });
        return importCsv(
          text,
          transfer.format(municipality),
          (inputs, dry) => transfer.write(municipality, inputs, { mode, dryRun: dry, actor }),
          {
            dryRun,
            // Reading the file; then the store's phases (below); then done.
            onProgress: (phase, done, total) => phase !== 'writing' && show(phase, done, total),
          },
        );
      },
      // Staged in chunks, checked against the stored data, then written ("switching") chunk by chunk.
      (phase: ImportPhase, done, total) => show(phase, done, total),
    );
  } catch (error) {
    bar.stop();
    if (!(error instanceof AppError)) throw error;
    // The problems of the file, by line and column, as the API gives them: a person fixes the file from this.
    const details =
      (error.details as { line?: number; column?: string; field?: string; problem: string }[] | undefined) ?? [];
    console.error(`\nNothing was imported: ${error.message}`);
    for (const d of details) console.error(`  ${d.line ? `line ${d.line}, ${d.column}` : d.field}: ${d.problem}`);
    process.exitCode = 1;
    return;
  }
  bar.stop();
  const counts = `${report.created} new, ${report.updated} changed, ${report.unchanged} unchanged, ${report.deleted} deleted`;
  if (!dryRun) {
    console.log(`Imported ${report.rows} rows into ${municipality}: ${counts}.`);
  } else if (report.problems.length === 0) {
    console.log(`Dry run: all ${report.rows} rows are fine; importing would make ${counts}. Nothing was changed.`);
  } else {
    console.log(`Dry run: ${report.problems.length} problems, nothing was changed:`);
    for (const p of report.problems) console.log(`  line ${p.line}, ${p.column}: ${p.problem}`);
    process.exitCode = 1;
  }
}

/** `vaxel export entries|extensions --municipality K --out F`: the same shape the import reads. */
export async function exportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { municipality: { type: 'string' }, out: { type: 'string' } },
  });
  const parsed = exportArgs.safeParse({ ...values, kind: positionals[0] });
  if (!parsed.success) throw new ConfigError('the command line', describeIssues(parsed.error.issues));
  const { kind, municipality, out } = parsed.data;
  const { columns, rows } = await withTransfer(kind, 'export', async (transfer) => ({
    columns: transfer.format(municipality).columns,
    rows: await transfer.exportRows(municipality),
  }));
  await writeFile(out, writeCsv(columns, rows));
  console.log(`Wrote ${rows.length} ${kind} of ${municipality} to ${out}.`);
}
