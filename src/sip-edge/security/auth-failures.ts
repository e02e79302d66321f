import { type FailureBudget, failureLimiter, takePoint } from '../../auth/failure-budget.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/**
 * Per source address and extension: one phone with a wrong password (or a guesser aiming at one
 * extension) is stopped without locking out the other phones of an office behind the same NAT.
 * Per source address, higher: a scanner trying many extensions is stopped too.
 */
export const AUTH_FAILURE_BUDGETS: { sourceExtension: FailureBudget; source: FailureBudget } = {
  sourceExtension: { points: 5, windowSeconds: 60, blockSeconds: 600 },
  source: { points: 20, windowSeconds: 60, blockSeconds: 600 },
};

/**
 * Failed digest answers (auth/failure-budget.ts: Redis, with an in-memory insurance).
 *
 * Per (source, extension) an answer takes its point *before* it is checked, and gets it back
 * when it was right or not a failure (a stale nonce, a count used before): answers sent at once
 * for one extension are checked no more often than the budget allows. Per source the count is
 * of failures, after the check: taking a point first there would let a burst of an office's
 * phones registering at once after a power cut lock the whole office out. Answers at once
 * spread over many extensions can therefore pass the source's look together, each still
 * bounded by its own extension's budget.
 */
export function createAuthFailures(redis: RedisClient, k: Keys, budgets = AUTH_FAILURE_BUDGETS) {
  const bySource = failureLimiter(redis, k.sipAuthFailures('source'), budgets.source);
  const byPair = failureLimiter(redis, k.sipAuthFailures('source-extension'), budgets.sourceExtension);
  const pair = (source: string, extension: string) => `${source}/${extension}`;

  return {
    /** Whether `source` is refused altogether (before anything of its request is read). */
    async blocked(source: string): Promise<boolean> {
      const state = await bySource.get(source);
      return state !== null && state.consumedPoints >= budgets.source.points;
    },
    /** Takes the point of an answer for `extension` before it is checked; false when that pair's budget is spent. */
    async attempt(source: string, extension: string): Promise<boolean> {
      return (await takePoint(byPair, pair(source, extension))) === undefined;
    },
    /** The answer was not a failure (a stale nonce, a count used before): its point back. */
    async giveBack(source: string, extension: string): Promise<void> {
      await byPair.reward(pair(source, extension), 1);
    },
    /** The answer was right: the pair's count starts again. */
    async succeeded(source: string, extension: string): Promise<void> {
      await byPair.delete(pair(source, extension));
    },
    /** One failed answer of `source` (its pair's point was taken by `attempt`). */
    async failed(source: string): Promise<void> {
      // A rejection means the source is now blocked: that is the point, not an error.
      await bySource.consume(source).catch(() => undefined);
    },
  };
}
export type AuthFailures = ReturnType<typeof createAuthFailures>;
