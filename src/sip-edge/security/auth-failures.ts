import { RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * Failed digest attempts per source address: after `points` failures within `windowSeconds`
 * the source is refused (403, before any credential is read) for `blockSeconds`. In memory per
 * edge instance: a guesser hitting several instances gets a few more tries, which does not
 * change the odds against a 12-character password, and the registrar keeps working with
 * Redis down.
 */
export function createAuthFailures({ points = 5, windowSeconds = 60, blockSeconds = 600 } = {}) {
  const limiter = new RateLimiterMemory({ keyPrefix: 'sip-auth', points, duration: windowSeconds, blockDuration: blockSeconds });
  return {
    async blocked(source: string): Promise<boolean> {
      const state = await limiter.get(source);
      return state !== null && state.consumedPoints >= points;
    },
    async failed(source: string): Promise<void> {
      // Rejection means the source is now blocked: that is the point, not an error.
      await limiter.consume(source).catch(() => undefined);
    },
  };
}
export type AuthFailures = ReturnType<typeof createAuthFailures>;
