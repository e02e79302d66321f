import { log } from '../../log.js';
import { runPeriodically } from '../../periodic-job.js';
import type { Keys } from '../../store/keys.js';
import { type RedisClient, scanKeys } from '../../store/redis-client.js';
import { redisMillis } from '../../store/redis-clock.js';

/** A quarter of a year: a message is for someone to call back, handled within days (docs/decisions.md, "Retention of messages"). */
export const DEFAULT_MESSAGE_RETENTION_DAYS = 90;
/** Messages looked at per script call: like call records', a batch holds Redis a few milliseconds at most. */
const BATCH = 500;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Messages for absent people hold a caller's name, number and what they said: personal data
 * kept only while someone may still need to call back. `prune` removes every message created
 * more than `retentionDays` ago, handled or not, in atomic batches per municipality
 * (store/lua/messages-prune-1.lua), so several instances may prune at once and a run killed
 * half-way leaves whole messages only. `now` is the clock the cutoff is taken from (Redis's
 * unless a test sets it).
 */
export function createMessageRetention(
  redis: RedisClient,
  k: Keys,
  {
    retentionDays,
    batchSize = BATCH,
    // Redis's clock: every message was stamped by it (message-store.ts).
    now = () => redisMillis(redis),
  }: { retentionDays: number; batchSize?: number; now?: () => Promise<number> },
) {
  const retentionLog = log.child({ component: 'message-retention' });

  /** Every municipality's message index, former members' too (their messages are personal data all the same). */
  async function indexes(): Promise<string[]> {
    const found: string[] = [];
    for await (const batch of scanKeys(redis, { MATCH: k.messagesByMunicipality('*'), TYPE: 'zset', COUNT: 1000 }))
      found.push(...batch);
    return found;
  }

  async function prune({ signal }: { signal?: AbortSignal } = {}): Promise<{ removed: number }> {
    // Microseconds, the indexes' unit; one cutoff for the whole run.
    const cutoff = String((await now()) * 1000 - retentionDays * DAY_MS * 1000);
    let removed = 0;
    for (const index of await indexes()) {
      for (;;) {
        const removedNow = Number(await redis.messagesPrune([index], [k.prefix, cutoff, String(batchSize)]));
        removed += removedNow;
        if (removedNow < batchSize || signal?.aborted) break;
      }
      if (signal?.aborted) break;
    }
    if (removed > 0) retentionLog.info({ removed, retentionDays }, 'messages past their retention removed');
    return { removed };
  }

  return { prune };
}

export type MessageRetention = ReturnType<typeof createMessageRetention>;

/** Prunes now and then every `everyMs` (an hour); `stop` ends the run under way after its current batch. */
export const runMessageRetention = (retention: MessageRetention, everyMs = HOUR_MS) =>
  runPeriodically('removing messages past their retention', (signal) => retention.prune({ signal }), everyMs);
