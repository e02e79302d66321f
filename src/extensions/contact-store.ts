import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/**
 * Where an extension's phones can be reached: the SIP contacts they registered, each with its
 * expiry. The SIP edge's registrar (issue 5) writes them; the media side reads them to ring an
 * extension (direct-dial numbers, transfers). One sorted set per extension, scored by expiry,
 * so that an expired binding is simply not read (and pruned on the next write).
 */
export function createContactStore(redis: RedisClient, k: Keys) {
  async function nowMs(): Promise<number> {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  return {
    /** Adds or refreshes one contact of the extension (a phone may register several). */
    async bind(extension: string, contact: string, expiresInSeconds: number): Promise<void> {
      const now = await nowMs();
      await redis
        .multi()
        .zRemRangeByScore(k.contacts(extension), '-inf', now)
        .zAdd(k.contacts(extension), { score: now + expiresInSeconds * 1000, value: contact })
        .exec();
    },

    async unbind(extension: string, contact: string): Promise<void> {
      await redis.zRem(k.contacts(extension), contact);
    },

    /** The extension's unexpired contacts, the most recently refreshed first. */
    async contacts(extension: string): Promise<string[]> {
      return redis.zRange(k.contacts(extension), '+inf', `(${await nowMs()}`, { BY: 'SCORE', REV: true });
    },
  };
}

export type ContactStore = ReturnType<typeof createContactStore>;
