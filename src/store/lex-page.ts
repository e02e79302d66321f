import type { RedisClient } from './redis-client.js';

/**
 * One page of an index kept as a sorted set in lexical order (every member scored 0), the one
 * way the versioned stores page: the members after `after` (exclusive; from the start when
 * undefined or ''), at most `limit`, and whether more follow. Members added or removed
 * meanwhile do not shift the pages.
 */
export async function lexPage(
  redis: RedisClient,
  key: string,
  after: string | undefined,
  limit: number,
): Promise<{ members: string[]; more: boolean }> {
  const members = await redis.zRange(key, after ? `(${after}` : '-', '+', {
    BY: 'LEX',
    LIMIT: { offset: 0, count: limit + 1 },
  });
  return { members: members.slice(0, limit), more: members.length > limit };
}
