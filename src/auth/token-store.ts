import { createHash, randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { Principal, Role } from './access.js';

/** What is stored for a token: never the token itself, only its SHA-256 as the key. */
export interface TokenRecord extends Principal {
  createdAt: string;
  expiresAt?: string;
  createdBy: string;
}

export interface NewToken {
  name: string;
  role: Role;
  /** Required for a municipality admin, and only for one. */
  municipalityId?: string;
  expiresInDays?: number;
}

/**
 * API tokens: 32 random bytes shown once at creation. A token is high-entropy, so a plain
 * SHA-256 (not a slow password hash) is enough to make a leaked Redis dump useless. Creating
 * and revoking are audited in the same transaction as the change.
 */
export function createTokenStore(redis: RedisClient, k: Keys, audit: AuditLog) {
  return {
    async create(input: NewToken, actor: Principal): Promise<{ token: string; record: TokenRecord }> {
      if ((input.role === 'municipality-admin') !== (input.municipalityId !== undefined)) {
        throw new AppError(400, 'invalid_request', 'municipalityId: a municipality-admin token needs one, other roles must not have one');
      }
      const token = `rv_${randomBytes(32).toString('base64url')}`;
      const now = new Date();
      const record: TokenRecord = {
        id: randomBytes(8).toString('hex'),
        name: input.name,
        role: input.role,
        ...(input.municipalityId ? { municipalityId: input.municipalityId } : {}),
        createdAt: now.toISOString(),
        createdBy: actor.name,
        ...(input.expiresInDays ? { expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString() } : {}),
      };
      const sha = hashToken(token);
      const tx = redis.multi();
      tx.set(k.token(sha), JSON.stringify(record), input.expiresInDays ? { EX: input.expiresInDays * 86_400 } : {});
      tx.hSet(k.tokens(), record.id, sha);
      audit.append(tx, actor, { action: 'create', object: { type: 'token', id: record.id }, municipalityId: record.municipalityId, after: record });
      await tx.exec();
      return { token, record };
    },

    /** The token's record, or undefined when unknown, revoked or expired. */
    async verify(token: string): Promise<TokenRecord | undefined> {
      const stored = await redis.get(k.token(hashToken(token)));
      if (!stored) return undefined;
      const record = JSON.parse(stored) as TokenRecord;
      return record.expiresAt && Date.parse(record.expiresAt) <= Date.now() ? undefined : record;
    },

    /** Tokens still valid, optionally of one municipality (region-wide ones have none). */
    async list(municipalityId?: string): Promise<TokenRecord[]> {
      const index = await redis.hGetAll(k.tokens());
      const ids = Object.keys(index);
      if (ids.length === 0) return [];
      const stored = await redis.mGet(ids.map((id) => k.token(index[id]!)));
      return stored
        .filter((s): s is string => s !== null)
        .map((s) => JSON.parse(s) as TokenRecord)
        .filter((r) => municipalityId === undefined || r.municipalityId === municipalityId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async get(id: string): Promise<TokenRecord | undefined> {
      const sha = await redis.hGet(k.tokens(), id);
      const stored = sha ? await redis.get(k.token(sha)) : null;
      return stored ? (JSON.parse(stored) as TokenRecord) : undefined;
    },

    /** Revokes at once: the next request with the token is refused. */
    async revoke(id: string, actor: Principal): Promise<TokenRecord> {
      const sha = await redis.hGet(k.tokens(), id);
      const stored = sha ? await redis.get(k.token(sha)) : null;
      if (!sha || !stored) throw new AppError(404, 'token_not_found', `No token has the id ${id}`);
      const record = JSON.parse(stored) as TokenRecord;
      const tx = redis.multi();
      tx.del(k.token(sha));
      tx.hDel(k.tokens(), id);
      audit.append(tx, actor, { action: 'delete', object: { type: 'token', id }, municipalityId: record.municipalityId, before: record });
      await tx.exec();
      return record;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The actor of changes made at the machine itself (CLI, lab), recorded as such in the audit log. */
export function localActor(what: string): Principal {
  return { id: 'local', name: what, role: 'region-admin' };
}
