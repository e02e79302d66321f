import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import { log } from '../log.js';
import { runPeriodically } from '../periodic-job.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { runScript, scriptFailure } from '../store/scripts.js';

/**
 * Imports (the directory's, the admin store's) written all or nothing without holding Redis:
 * the rows, checked and planned in TypeScript by their store, are staged in chunks under a
 * journal, then checked against the stored data and written a chunk per script, each a few
 * milliseconds, so every municipality's queue operations go on in between.
 *
 * 1. staging: the ops are written under {p}:import:{id} (nothing else is touched);
 * 2. checking: the import takes the switch fence, under which no single change of the
 *    directory or the admin store is made (they wait, pastSwitch), and checks every chunk as a
 *    single change would check its object; with any problem it is discarded, having written
 *    nothing;
 * 3. committing: one script marks the journal committed;
 * 4. switching: each chunk is written with its audit entries and noted in the journal in one
 *    script; the last lifts the fence.
 *
 * A process that stops before the commit leaves an import that wrote nothing; after it, one
 * that will be written whole. Whoever meets the fence after its lease ran out (a single change,
 * another import, the switchboard's periodic recover) takes it over and discards, or finishes,
 * that import. Rolling forward rather than back: an import's audit entries and change-stream
 * entries are appended as it writes, and neither log can be taken back honestly.
 * See docs/decisions.md, "Imports staged and switched over in chunks"; the scripts are
 * store/lua/import-*.lua.
 */

/** One row of an import as the scripts take it (store/lua/_import.lua describes the fields). */
export type StagedOp =
  | { op: 'admin'; row: number; id: string; change: object }
  | { op: 'entry'; row: number; id: string; expected: string; json: string; reserved: string }
  | { op: 'entry-delete'; row: number; id: string; expected: string };

export interface StagedPlan {
  /** What is imported ("directory", an admin type): one import of a kind per municipality at a time. */
  kind: string;
  municipalityId: string;
  /** Who imports, named to someone refused meanwhile. */
  actor: string;
  ops: StagedOp[];
  /** Replace mode: the municipality's index, whose every member the ops must name (one they do not was added since the store read it). */
  coverIndex?: string | undefined;
  /** What the scripts need beside the ops (_import.lua: the directory's audit context, change-stream length). */
  context: Record<string, unknown>;
}

/** A problem with one op against the stored data, as store/lua/_import.lua's import_check reports it. */
export interface StagedProblem {
  row: number;
  id: string;
  code: string;
  [detail: string]: unknown;
}

/** Every op was written when both lists are empty (and the run was not check-only). */
export interface StagedOutcome {
  problems: StagedProblem[];
  /** Ids in coverIndex that no op names. */
  uncovered: string[];
}

export type ImportPhase = 'staging' | 'checking' | 'switching';
/** How far an import is: ops done of total, per phase. The import waits for a promise returned (a test pauses it there). */
export type ImportProgress = (phase: ImportPhase, done: number, total: number) => void | Promise<void>;

export interface StagedImportOptions {
  /** Ops per chunk: each chunk is checked, and written, by one script. */
  chunkRows?: number;
  /** How long the fence is an import's without a sign of life (each script renews it); then anyone may finish or discard the import. */
  leaseMs?: number;
}

/** Redis spends 15–45 µs of CPU per row on a check or a write (npm run bench -- import): a chunk stays within about 2 ms. */
const DEFAULT_CHUNK_ROWS = 50;
/** Long enough for a busy event loop (another import's validation) between two chunks. */
const DEFAULT_LEASE_MS = 10_000;
/** The lock of one import per municipality outlives its holder by at most this. */
const LOCK_MS = 60_000;
/** A journal not committed (a dry run, an import whose process stopped) vanishes this long after its last step. */
const KEEP_MS = 10 * 60_000;
const COVER_SLICE = 1_000;
const POLL_MS = 20;
/** A single change waits this long for an import's switch-over (seconds for 50 000 rows). */
const CHANGE_WAIT_MS = 30_000;
/** An import waits this long for others' switch-overs to end before its own. */
const IMPORT_WAIT_MS = 5 * 60_000;

/** Rows an import's validation and planning handle between two turns of the event loop. */
const ROWS_PER_TURN = 500;

/**
 * `each` over `rows`, giving the event loop a turn every ROWS_PER_TURN rows: validating and
 * planning 50 000 rows in one go would hold the process (its calls, in the switchboard) for seconds.
 */
export async function forEachRow<T>(rows: readonly T[], each: (row: T, index: number) => void): Promise<void> {
  for (let index = 0; index < rows.length; index++) {
    each(rows[index]!, index);
    if (index % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
  }
}

/**
 * `read` over `items` a slice of `size` at a time, the answers in order: an import's tens of
 * thousands of reads at once would queue every other command of the connection (the call
 * flow's, in the switchboard) behind them, and one command with that many arguments is more than
 * the client can build.
 */
export async function readInSlices<T, R>(
  items: readonly T[],
  size: number,
  read: (slice: T[]) => Promise<readonly R[]>,
): Promise<R[]> {
  const found: R[] = [];
  for (let at = 0; at < items.length; at += size) found.push(...(await read(items.slice(at, at + size))));
  return found;
}

export function createStagedImports(
  redis: RedisClient,
  k: Keys,
  { chunkRows = DEFAULT_CHUNK_ROWS, leaseMs = DEFAULT_LEASE_MS }: StagedImportOptions = {},
) {
  const newHolder = () => randomBytes(8).toString('hex');

  /**
   * Stages, checks and (unless `checkOnly`, or with problems) writes the plan's ops, all or
   * nothing. Refused with 409 import_in_progress while another import of the same kind and
   * municipality is under way (a check-only run is not). Switch-overs of imports are one at a
   * time in the region: an import waits for another's to end.
   */
  async function run(
    plan: StagedPlan,
    { checkOnly, onProgress }: { checkOnly: boolean; onProgress?: ImportProgress | undefined },
  ): Promise<StagedOutcome> {
    const importId = randomBytes(8).toString('hex');
    const journal = k.importJournal(importId);
    const chunks: StagedOp[][] = [];
    for (let at = 0; at < plan.ops.length || chunks.length === 0; at += chunkRows)
      chunks.push(plan.ops.slice(at, at + chunkRows));
    const total = plan.ops.length;
    const timing = { started: performance.now(), slowestMs: 0 };
    /** A script call, timed: the slowest round trip says how long Redis was held at most. */
    const step = async (pending: Promise<unknown>): Promise<unknown[]> => {
      const started = performance.now();
      const reply = listReply(await pending);
      timing.slowestMs = Math.max(timing.slowestMs, performance.now() - started);
      return reply;
    };
    const fields = {
      kind: plan.kind,
      municipalityId: plan.municipalityId,
      actor: plan.actor,
      rows: total,
      startedAt: new Date().toISOString(),
      leaseMs,
      lockMs: LOCK_MS,
      keepMs: KEEP_MS,
    };
    const opening = step(
      redis.importOpen(
        [journal, k.importLock(plan.kind, plan.municipalityId)],
        [k.prefix, importId, checkOnly ? '' : '1', JSON.stringify(fields)],
      ),
    );
    await runScript(opening, (failure) =>
      failure.code === 'import_in_progress'
        ? importInProgress(plan, failure.detail as Record<string, string>)
        : undefined,
    );
    const importLog = log.child({ importId, kind: plan.kind, municipalityId: plan.municipalityId });

    let holder = '';
    try {
      let staged = 0;
      for (const [n, ops] of chunks.entries()) {
        expect(
          await step(
            redis.importStage(
              [journal],
              [k.prefix, String(n), JSON.stringify({ context: plan.context, ops }), ...ops.map((op) => op.id)],
            ),
          ),
          'ok',
        );
        await onProgress?.('staging', (staged += ops.length), total);
      }
      if (!checkOnly) holder = await acquire(importId);

      const uncovered: string[] = [];
      for (let after = '', first = true; plan.coverIndex && (first || after !== ''); first = false) {
        const reply = await step(
          redis.importCover([journal, plan.coverIndex], [k.prefix, holder, after, String(COVER_SLICE)]),
        );
        expect(reply, 'ok');
        after = String(reply[1]);
        uncovered.push(...reply.slice(2).map(String));
      }
      const problems: StagedProblem[] = [];
      let checked = 0;
      for (const [n, ops] of chunks.entries()) {
        const reply = await step(redis.importCheck([journal], [k.prefix, holder, String(n)]));
        expect(reply, 'ok');
        if (reply[1] !== undefined) problems.push(...(JSON.parse(String(reply[1])) as StagedProblem[]));
        await onProgress?.('checking', (checked += ops.length), total);
      }
      if (checkOnly || problems.length > 0 || uncovered.length > 0) {
        await abort(importId, holder);
        importLog.info(
          {
            rows: total,
            checkOnly,
            problems: problems.length + uncovered.length,
            ms: Math.round(performance.now() - timing.started),
          },
          'import checked; nothing written',
        );
        return { problems, uncovered };
      }
      expect(await step(redis.importCommit([journal], [k.prefix, holder, String(chunks.length)])), 'ok');
    } catch (error) {
      // Before the commit nothing was written: discard what was staged now rather than when the lease runs out.
      const discarded = await abort(importId, holder).catch(() => undefined);
      if (discarded === 'committed') throw unfinished(importId, error);
      throw error;
    }

    const checkedAt = performance.now();
    try {
      let written = 0;
      for (let n = 0; ;) {
        const reply = await step(redis.importApply([journal], [k.prefix, holder, String(n)]));
        if (reply[0] === 'done' || reply[0] === 'gone') break;
        if (reply[0] === 'fence_lost') {
          await finishedElsewhere(journal);
          break;
        }
        expect(reply, 'ok', 'at');
        const next = Number(reply[1]);
        written += chunks.slice(n, next).reduce((sum, ops) => sum + ops.length, 0);
        n = next;
        await onProgress?.('switching', written, total);
      }
    } catch (error) {
      throw unfinished(importId, error);
    }
    await onProgress?.('switching', total, total);
    importLog.info(
      {
        rows: total,
        chunks: chunks.length,
        stagedAndCheckedMs: Math.round(checkedAt - timing.started),
        switchMs: Math.round(performance.now() - checkedAt),
        slowestStepMs: Number(timing.slowestMs.toFixed(2)),
      },
      'import written',
    );
    return { problems: [], uncovered: [] };
  }

  /** Takes the fence for the import, waiting while another import holds it and finishing one whose process stopped. */
  async function acquire(importId: string): Promise<string> {
    const holder = newHolder();
    const deadline = Date.now() + IMPORT_WAIT_MS;
    for (;;) {
      const reply = listReply(await redis.importFence([k.importSwitch()], [k.prefix, 'acquire', holder, importId]));
      if (reply[0] === 'ok') return holder;
      if (reply[0] === 'gone') throw interrupted();
      if (reply[0] === 'stale') await recover();
      else if (Date.now() > deadline) throw switching();
      else await sleep(POLL_MS);
    }
  }

  async function abort(importId: string, holder: string): Promise<string> {
    return String(listReply(await redis.importAbort([k.importJournal(importId)], [k.prefix, holder, importId]))[0]);
  }

  /** Another process took the fence over (ours seemed to have stopped) and writes the rest: wait until it has. */
  async function finishedElsewhere(journal: string): Promise<void> {
    const deadline = Date.now() + IMPORT_WAIT_MS;
    while ((await redis.exists(journal)) === 1) {
      if (Date.now() > deadline) throw new Error('another process took the import over and has not finished it');
      if ((await recover()) === 'live') await sleep(POLL_MS);
    }
  }

  /**
   * Finishes (committed) or discards (not committed) an import whose process stopped, once its
   * lease has run out: 'none' when no import holds the fence, 'live' while its holder is alive.
   */
  async function recover(): Promise<'none' | 'live' | 'finished' | 'discarded'> {
    const holder = newHolder();
    const reply = listReply(await redis.importFence([k.importSwitch()], [k.prefix, 'take-over', holder, '']));
    if (reply[0] === 'none') return 'none';
    if (reply[0] === 'busy') return 'live';
    const [, importId, state, applied] = reply.map(String);
    const journal = k.importJournal(importId!);
    if (state !== 'committed') {
      await abort(importId!, holder);
      log.warn({ importId }, 'an import whose process stopped before committing was discarded: it had written nothing');
      return 'discarded';
    }
    for (let n = Number(applied); ;) {
      const next = listReply(await redis.importApply([journal], [k.prefix, holder, String(n)]));
      if (next[0] === 'done' || next[0] === 'gone') break;
      if (next[0] === 'fence_lost') return 'live';
      expect(next, 'ok', 'at');
      n = Number(next[1]);
    }
    log.warn(
      { importId, fromChunk: Number(applied) },
      'an import whose process stopped after committing was written to its end',
    );
    return 'finished';
  }

  /**
   * A single change of the directory or the admin store (its script fails with import_switching
   * while an import switches over): tried again until the switch-over has ended, finishing an
   * import whose process stopped; 503 import_switching after CHANGE_WAIT_MS.
   */
  async function pastSwitch<T>(change: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + CHANGE_WAIT_MS;
    for (;;) {
      try {
        return await change();
      } catch (error) {
        const fenced = switchingOf(error);
        if (!fenced) throw error;
        if (fenced.expired) await recover();
        else if (Date.now() > deadline) throw switching();
        else await sleep(POLL_MS);
      }
    }
  }

  return { run, recover, pastSwitch };
}

export type StagedImports = ReturnType<typeof createStagedImports>;

/** How often a switchboard looks for an import whose process stopped (it is then finished or discarded once its lease has run out). */
const RECOVERY_EVERY_MS = 5_000;

/**
 * At start and every few seconds: an import whose process stopped is finished or discarded
 * even when no change or other import comes along, so readers do not see half of it for long.
 */
export function runImportRecovery(redis: RedisClient, k: Keys) {
  const imports = createStagedImports(redis, k);
  return runPeriodically(
    'finishing or discarding an import whose process stopped',
    () => imports.recover(),
    RECOVERY_EVERY_MS,
  );
}

function switchingOf(error: unknown): { importId: string; expired: boolean } | undefined {
  const failure = scriptFailure(error);
  return failure?.code === 'import_switching' ? (failure.detail as { importId: string; expired: boolean }) : undefined;
}

const switching = () =>
  new AppError(503, 'import_switching', 'An import is being written right now; try again in a moment');

function importInProgress(plan: StagedPlan, holder: Record<string, string>): AppError {
  const by = holder.actor ? ` by ${holder.actor}` : '';
  const since = holder.startedAt ? ` (started ${holder.startedAt}${by})` : by;
  return new AppError(
    409,
    'import_in_progress',
    `An import of ${plan.kind} into ${plan.municipalityId} is under way${since}: try again when it has ended`,
    [{ field: 'municipalityId', problem: `has an import of ${plan.kind} under way${since}` }],
  );
}

/** After the commit every row will be written, by this process or, should it fail, by whoever recovers the import: an error now is not a refusal. */
function unfinished(importId: string, cause: unknown): AppError {
  log.error(
    { err: cause, importId },
    'an import was committed but its writing was interrupted; it is finished when its lease runs out',
  );
  return new AppError(
    503,
    'import_unfinished',
    `The import was checked and committed, but writing it was interrupted: it is completed by the switchboard within a minute (import ${importId}); do not import again`,
  );
}

function listReply(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`an import script replied ${JSON.stringify(reply)}, expected a list`);
  return reply;
}

/**
 * Before its commit, an import's scripts answer 'gone' or 'fence_lost' only when another
 * process took it for stopped (its lease ran out) and discarded it: nothing was written.
 */
function expect(reply: unknown[], ...codes: string[]): void {
  if (codes.includes(String(reply[0]))) return;
  if (reply[0] === 'gone' || reply[0] === 'fence_lost') throw interrupted();
  throw new Error(`an import script replied ${JSON.stringify(reply)}`);
}

const interrupted = () =>
  new AppError(
    503,
    'import_interrupted',
    'The import stalled past its lease and was discarded; nothing was written: import again',
  );
