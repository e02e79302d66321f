import { invalidFields } from '../validation/field-problems.js';
import { MAX_PAGE_SIZE } from '../validation/schema.js';
import type { RedisClient } from './redis-client.js';

/**
 * A cursor: the place a list goes on from (for a lexical index, its last member), as base64url
 * so that it is opaque and safe in a query string. The one cursor codec of the lists that page
 * by a place (the versioned stores, the directory, the tokens).
 */
export function toCursor(place: string): string {
  return Buffer.from(place).toString('base64url');
}

/** The place a cursor stands for, or undefined when the text is not a cursor a list gave (`place` says what one looks like). */
export function fromCursor(cursor: string, place: RegExp): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return place.test(text) && toCursor(text) === cursor ? text : undefined;
}

/**
 * One page of an index kept as a sorted set in lexical order (every member scored 0), the one
 * way the versioned stores page: the members after the one `cursor` stands for (from the start
 * without one), `limit` of them (1 to MAX_PAGE_SIZE, the API's page sizes), and the cursor of
 * the next page unless this is the last. `member` says what a member looks like: a cursor that
 * does not decode to one is a 400 naming query.cursor. Members added or removed meanwhile do
 * not shift the pages.
 */
export async function lexPage(
  redis: RedisClient,
  key: string,
  { cursor, limit }: { cursor?: string | undefined; limit: number },
  member: RegExp,
): Promise<{ members: string[]; nextCursor?: string }> {
  const after = cursor === undefined ? undefined : fromCursor(cursor, member);
  if (cursor !== undefined && after === undefined)
    throw invalidFields([{ field: 'query.cursor', problem: 'is not a cursor from a previous page' }]);
  const count = Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_PAGE_SIZE);
  const found = await redis.zRange(key, after ? `(${after}` : '-', '+', {
    BY: 'LEX',
    LIMIT: { offset: 0, count: count + 1 },
  });
  const members = found.slice(0, count);
  return found.length > count ? { members, nextCursor: toCursor(members.at(-1)!) } : { members };
}
