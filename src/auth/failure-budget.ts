import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClient } from '../store/redis-client.js';

/** A budget of failed attempts: `points` within `windowSeconds`, then refused for `blockSeconds`. */
export interface FailureBudget {
  points: number;
  windowSeconds: number;
  blockSeconds: number;
}

/**
 * Failed attempts at a secret (a SIP digest, a PIN) counted in Redis, so that every instance
 * and a restarted one see the same count, with an in-memory limiter as insurance: while Redis
 * is unreachable the count goes on in this process (failures counted only there are forgotten
 * when Redis is back, a few more tries at worst).
 */
export function failureLimiter(
  redis: RedisClient,
  keyPrefix: string,
  { points, windowSeconds, blockSeconds }: FailureBudget,
): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    useRedisPackage: true,
    // Offline: straight to the insurance rather than an error per attempt.
    rejectIfRedisNotReady: true,
    keyPrefix,
    points,
    duration: windowSeconds,
    blockDuration: blockSeconds,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix: `${keyPrefix}:insurance`,
      points,
      duration: windowSeconds,
      blockDuration: blockSeconds,
    }),
  });
}

/**
 * Takes one point of `key`'s budget before the secret is checked; a right secret gives it back.
 * Tries sent at once then cannot all pass a look at the count before any of them is counted.
 * Answers the refusal (with when to try again) once the budget is spent.
 */
export function takePoint(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes | undefined> {
  return limiter.consume(key).then(
    () => undefined,
    (rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
      return rejection as RateLimiterRes;
    },
  );
}
