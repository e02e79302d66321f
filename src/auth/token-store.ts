import { createHash, randomBytes } from 'node:crypto';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/** What a token may do. Issue-by-issue the set grows (municipality admin, auditor). */
export const ROLES = ['region-admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** What is stored for a token: never the token itself, only its SHA-256 as the key. */
export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
}

/**
 * API tokens: 32 random bytes shown once at creation. A token is high-entropy, so a plain
 * SHA-256 (not a slow password hash) is enough to make a leaked Redis dump useless.
 */
export function createTokenStore(redis: RedisClient, k: Keys) {
  return {
    async create(input: { name: string; role: Role; expiresInDays?: number }): Promise<{ token: string; record: TokenRecord }> {
      const token = `rv_${randomBytes(32).toString('base64url')}`;
      const now = new Date();
      const record: TokenRecord = {
        id: randomBytes(8).toString('hex'),
        name: input.name,
        role: input.role,
        createdAt: now.toISOString(),
        ...(input.expiresInDays ? { expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString() } : {}),
      };
      await redis.set(k.token(hashToken(token)), JSON.stringify(record), input.expiresInDays ? { EX: input.expiresInDays * 86_400 } : {});
      return { token, record };
    },

    /** The token's record, or undefined when unknown or expired. */
    async verify(token: string): Promise<TokenRecord | undefined> {
      const stored = await redis.get(k.token(hashToken(token)));
      if (!stored) return undefined;
      const record = JSON.parse(stored) as TokenRecord;
      return record.expiresAt && Date.parse(record.expiresAt) <= Date.now() ? undefined : record;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
