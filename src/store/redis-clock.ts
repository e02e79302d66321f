import type { RedisClient } from './redis-client.js';

/**
 * Redis's clock (TIME), in microseconds: the one clock every instance shares, so stamps made by
 * different processes (and by Lua scripts, which read the same TIME) agree and order.
 */
export async function redisMicros(redis: RedisClient): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}

/** Redis's clock in milliseconds (redisMicros). */
export const redisMillis = async (redis: RedisClient): Promise<number> => Math.floor((await redisMicros(redis)) / 1000);
