import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/** A budget of failed attempts: `points` within `windowSeconds`, then refused for `blockSeconds`. */
export interface FailureBudget {
  points: number;
  windowSeconds: number;
  blockSeconds: number;
}

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
 * Failed digest attempts, counted in Redis (rate-limiter-flexible) so that every edge instance
 * and a restarted one see the same count, with an in-memory limiter as insurance: while Redis
 * is unreachable the registrar still counts and refuses guessers on its own (failures counted
 * only there are forgotten when Redis is back, a few more tries at worst). Refusal comes before
 * any credential is read.
 */
export function createAuthFailures(redis: RedisClient, k: Keys, budgets = AUTH_FAILURE_BUDGETS) {
  const limiter = (scope: 'source' | 'source-extension', { points, windowSeconds, blockSeconds }: FailureBudget) =>
    new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      // Offline: straight to the insurance rather than an error per attempt.
      rejectIfRedisNotReady: true,
      keyPrefix: k.sipAuthFailures(scope),
      points,
      duration: windowSeconds,
      blockDuration: blockSeconds,
      insuranceLimiter: new RateLimiterMemory({
        keyPrefix: `${scope}-insurance`,
        points,
        duration: windowSeconds,
        blockDuration: blockSeconds,
      }),
    });
  const bySource = limiter('source', budgets.source);
  const byPair = limiter('source-extension', budgets.sourceExtension);
  const pair = (source: string, extension: string) => `${source}/${extension}`;

  async function exhausted(rateLimiter: RateLimiterRedis, key: string, points: number): Promise<boolean> {
    const state = await rateLimiter.get(key);
    return state !== null && state.consumedPoints >= points;
  }

  return {
    /** Whether `source` is refused, altogether or (with the username it tries) for that extension. */
    async blocked(source: string, extension?: string): Promise<boolean> {
      if (await exhausted(bySource, source, budgets.source.points)) return true;
      return (
        extension !== undefined && (await exhausted(byPair, pair(source, extension), budgets.sourceExtension.points))
      );
    },
    /** One failed attempt of `source` (for `extension`, when the answer named one). */
    async failed(source: string, extension?: string): Promise<void> {
      // A rejection means the key is now blocked: that is the point, not an error.
      await Promise.all([
        bySource.consume(source).catch(() => undefined),
        extension === undefined ? undefined : byPair.consume(pair(source, extension)).catch(() => undefined),
      ]);
    },
  };
}
export type AuthFailures = ReturnType<typeof createAuthFailures>;
