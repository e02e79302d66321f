import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';

/**
 * The nonce counts (qop=auth `nc`) already answered, in Redis so that every edge instance and
 * a restarted one agree: an answer captured on the wire and sent again carries a count that
 * was used, and is refused. One key per count, set only if absent (SET NX, atomic), expiring
 * with its nonce: nothing to prune, and a phone may send its counts in any order.
 */
export function createNonceCounts(redis: RedisClient, k: Keys) {
  return {
    /** True the first time `nc` of `nonce` is presented; false for a count already used (a replay). */
    async firstUse(nonce: string, nc: string, nonceRemainingMs: number): Promise<boolean> {
      // Relative expiry: the edge's clock and Redis's need not agree.
      const reply = await redis.set(k.sipNonceCount(nonce, nc.toLowerCase()), '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: Math.max(1, nonceRemainingMs) },
      });
      return reply === 'OK';
    },
  };
}
export type NonceCounts = ReturnType<typeof createNonceCounts>;
