import { log } from '../log.js';
import { runPeriodically } from '../periodic-job.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/** 13 months: a year's statistics can be compared with the year before (docs/decisions.md, "Retention of call records"). */
export const DEFAULT_CALL_RECORD_RETENTION_DAYS = 400;
/** Never less than a whole month back, so last month's cost split can always be made. */
export const MIN_CALL_RECORD_RETENTION_DAYS = 31;
/** Records looked at per script call: a batch of 500 holds Redis about 4 ms on the development machine, so queue operations never wait long behind it. */
const BATCH = 500;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface PruneResult {
  /** Ended records removed (hash and index entries). */
  removed: number;
  /** Records past the retention that were kept because they have not ended. */
  keptNotEnded: number;
}

/**
 * Call records hold callers' numbers: personal data kept only as long as the statistics and
 * the cost split need them. `prune` removes every ended record enqueued more than
 * `retentionDays` ago, by Redis's clock, in atomic batches (store/lua/calls-prune-1.lua), so
 * several instances may prune at once and a run killed half-way leaves whole records only.
 */
export function createCallRetention(
  redis: RedisClient,
  k: Keys,
  { retentionDays, batchSize = BATCH }: { retentionDays: number; batchSize?: number },
) {
  const retentionLog = log.child({ component: 'call-retention' });

  async function prune({ signal }: { signal?: AbortSignal } = {}): Promise<PruneResult> {
    let removed = 0;
    let keptNotEnded = 0;
    for (;;) {
      const reply = await redis.callsPrune(
        [k.callsByTime()],
        [k.prefix, String(retentionDays * DAY_MS), String(keptNotEnded), String(batchSize)],
      );
      const [examined, removedNow, keptNow] = reply as [number, number, number];
      removed += removedNow;
      keptNotEnded += keptNow;
      if (examined < batchSize || signal?.aborted) break;
    }
    if (removed > 0) retentionLog.info({ removed, retentionDays }, 'ended call records past their retention removed');
    // Not ended after a retention of a month or more: a call the switchboard lost track of.
    if (keptNotEnded > 0)
      retentionLog.warn({ keptNotEnded, retentionDays }, 'call records past their retention kept: they have not ended');
    return { removed, keptNotEnded };
  }

  return { prune };
}

export type CallRetention = ReturnType<typeof createCallRetention>;

/** Prunes now and then every `everyMs` (an hour); `stop` ends the run under way after its current batch. */
export const runCallRetention = (retention: CallRetention, everyMs = HOUR_MS) =>
  runPeriodically('removing call records past their retention', (signal) => retention.prune({ signal }), everyMs);
