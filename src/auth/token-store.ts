import { createHash, randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import { MunicipalityIdSchema, z } from '../validation/schema.js';
import { log } from '../log.js';
import type { Keys } from '../store/keys.js';
import { fromCursor, toCursor } from '../store/lex-page.js';
import type { RedisClient } from '../store/redis-client.js';
import { ROLES, SELF_ROLE, type Principal, type Role } from './access.js';
import { notAMember } from '../admin/region-rules.js';

/** What is stored for a token: never the token itself, only its SHA-256 as the key. */
export interface TokenRecord extends Principal {
  createdAt: string;
  /** Every token made since lifetimes were capped has one (DEFAULT_TOKEN_DAYS unless asked). */
  expiresAt?: string;
  createdBy: string;
}

export interface NewToken {
  name: string;
  role: Role;
  /** Required for a municipality admin, and only for one. */
  municipalityId?: string | undefined;
  /** DEFAULT_TOKEN_DAYS when not given. */
  expiresInDays?: number | undefined;
}

/** A token lives a year unless asked otherwise: renewed at the yearly review of who has access. */
export const DEFAULT_TOKEN_DAYS = 365;
/**
 * Never longer than two years, for every role: a token is a bearer secret, and one that never
 * expires is how a forgotten integration's secret stays valid. Integrations (wallboards,
 * exports) need no more: renewing is making a new token, swapping it in and revoking the old
 * one, with no gap since both work meanwhile.
 */
export const MAX_TOKEN_DAYS = 730;
/**
 * An expired token is refused at once, but its record is kept this long after expiry, listed
 * as expired, so an admin can see why an integration stopped and whom to give a new one; then
 * Redis drops the record (its key's TTL) and forgetExpired its index entry. Audit entries stay.
 */
export const EXPIRED_TOKEN_GRACE_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * What a new token must be, for the API (body) and `vaxel token create` alike: a
 * municipality admin's token names one member municipality (`isMember`, admin/region-rules.ts);
 * an operator's may name its holder's employer, which only decides who may link it to an
 * operator account (admin/operator-accounts.ts); auditor and region-admin tokens are region-wide.
 */
export function newTokenSchema(isMember: (municipalityId: string) => boolean) {
  return z
    .object({
      name: z.string({ error: 'is required: who or what holds the token' }).trim().min(1, 'must not be empty').max(100),
      role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
      municipalityId: MunicipalityIdSchema.optional().openapi({
        description:
          'A municipality admin’s municipality (required); an operator’s employer (optional: who may link the token to an operator account)',
      }),
      expiresInDays: z
        .number({ error: 'must be a number of days' })
        .int('must be a whole number of days')
        .min(1, 'must be at least 1')
        .max(MAX_TOKEN_DAYS, `must be at most ${MAX_TOKEN_DAYS} (two years): make a new token then`)
        .optional()
        .openapi({ description: `Days until the token stops working; ${DEFAULT_TOKEN_DAYS} when not given` }),
    })
    .strict()
    .superRefine((token, ctx) => {
      if (token.role === 'municipality-admin' && token.municipalityId === undefined) {
        ctx.addIssue({ code: 'custom', path: ['municipalityId'], message: 'a municipality-admin token needs one' });
      } else if (
        token.municipalityId !== undefined &&
        token.role !== 'municipality-admin' &&
        token.role !== 'operator'
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['municipalityId'],
          message: `a ${token.role} token is region-wide and must not have one (municipality admins have theirs, operators may have their employer)`,
        });
      } else if (token.municipalityId !== undefined && !isMember(token.municipalityId)) {
        ctx.addIssue({ code: 'custom', path: ['municipalityId'], message: notAMember(token.municipalityId) });
      }
    });
}

/** A stored token's record as `create` writes it (a restored one is checked against it: backup/). */
export const tokenRecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
  name: z.string().min(1).max(100),
  role: z.enum(ROLES),
  municipalityId: MunicipalityIdSchema.optional(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().optional(),
  createdBy: z.string(),
});

/** Where a page of the token list goes on: after this token, in creation order. */
export interface TokenCursor {
  createdAt: string;
  id: string;
}

const CURSOR_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([0-9a-f]{16})$/;

/** The place a cursor stands for, or undefined when the text is not a cursor the list gave. */
export function parseTokenCursor(cursor: string): TokenCursor | undefined {
  const parts = CURSOR_TEXT.exec(fromCursor(cursor, CURSOR_TEXT) ?? '');
  return parts ? { createdAt: parts[1]!, id: parts[2]! } : undefined;
}

function tokenCursor(record: TokenRecord): string {
  return toCursor(`${record.createdAt} ${record.id}`);
}

/** Creation order, then id: the list's order, total so a cursor is a place in it. */
function compareCreated(a: TokenCursor, b: TokenCursor): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

export function isExpired(record: TokenRecord): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now();
}

/**
 * API tokens: 32 random bytes shown once at creation. A token is high-entropy, so a plain
 * SHA-256 (not a slow password hash) is enough to make a leaked Redis dump useless. Creating
 * and revoking are audited in the same transaction as the change. Every token expires
 * (DEFAULT_TOKEN_DAYS, at most MAX_TOKEN_DAYS).
 */
export function createTokenStore(redis: RedisClient, k: Keys, audit: AuditLog) {
  /** Every token in the index with its record, none when Redis has removed the record (forgetExpired's work). */
  async function indexed(): Promise<{ id: string; record: TokenRecord | undefined }[]> {
    const index = Object.entries(await redis.hGetAll(k.tokens()));
    const stored = index.length === 0 ? [] : await redis.mGet(index.map(([, sha]) => k.token(sha)));
    return index.map(([id], i) => ({ id, record: stored[i] ? (JSON.parse(stored[i]) as TokenRecord) : undefined }));
  }

  return {
    /** `input` as newTokenSchema lets it through (the API and the CLI check it there). */
    async create(input: NewToken, actor: Principal): Promise<{ token: string; record: TokenRecord }> {
      const token = `rv_${randomBytes(32).toString('base64url')}`;
      const now = new Date();
      const lifetimeDays = input.expiresInDays ?? DEFAULT_TOKEN_DAYS;
      const record: TokenRecord = {
        id: randomBytes(8).toString('hex'),
        name: input.name,
        role: input.role,
        ...(input.municipalityId ? { municipalityId: input.municipalityId } : {}),
        createdAt: now.toISOString(),
        createdBy: actor.name,
        expiresAt: new Date(now.getTime() + lifetimeDays * DAY_MS).toISOString(),
      };
      const sha = hashToken(token);
      const tx = redis.multi();
      tx.set(k.token(sha), JSON.stringify(record), { EX: (lifetimeDays + EXPIRED_TOKEN_GRACE_DAYS) * 86_400 });
      tx.hSet(k.tokens(), record.id, sha);
      audit.append(tx, actor, {
        action: 'create',
        object: { type: 'token', id: record.id },
        municipalityId: record.municipalityId,
        after: record,
      });
      await tx.exec();
      return { token, record };
    },

    /**
     * A short session for the personal page (self-service/): stored by its hash like a token,
     * but not in the index (not listed, revoked or backed up: it lapses within hours by itself)
     * and not audited (the changes made with it are, with the person as actor).
     */
    async createSession(
      principal: Omit<Principal, 'id'>,
      lifetimeSeconds: number,
    ): Promise<{ token: string; record: TokenRecord }> {
      const token = `rv_${randomBytes(32).toString('base64url')}`;
      const now = new Date();
      const record: TokenRecord = {
        ...principal,
        id: randomBytes(8).toString('hex'),
        createdAt: now.toISOString(),
        createdBy: principal.name,
        expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000).toISOString(),
      };
      await redis.set(k.token(hashToken(token)), JSON.stringify(record), { EX: lifetimeSeconds });
      return { token, record };
    },

    /** Ends a session createSession gave (signing out); nothing for any other token. */
    async endSession(token: string): Promise<void> {
      const sha = hashToken(token);
      const stored = await redis.get(k.token(sha));
      if (stored && (JSON.parse(stored) as TokenRecord).role === SELF_ROLE) await redis.del(k.token(sha));
    },

    /** Every token kept (valid or in its grace period), by its hash: never the token itself (a backup: backup/). */
    async backupTokens(): Promise<{ sha256: string; record: TokenRecord }[]> {
      const index = Object.entries(await redis.hGetAll(k.tokens()));
      const stored = index.length === 0 ? [] : await redis.mGet(index.map(([, sha]) => k.token(sha)));
      return index.flatMap(([, sha256], i) =>
        stored[i] ? [{ sha256, record: JSON.parse(stored[i]) as TokenRecord }] : [],
      );
    },

    /**
     * The commands that store a backed-up token as `create` did, expiring as it would have;
     * none for a token past its grace period (Redis would have dropped it by now).
     */
    restoreCommands({ sha256, record }: { sha256: string; record: TokenRecord }, nowMs: number): string[][] {
      const expiry = record.expiresAt && Date.parse(record.expiresAt) + EXPIRED_TOKEN_GRACE_DAYS * DAY_MS;
      if (expiry && expiry <= nowMs) return [];
      return [
        ['SET', k.token(sha256), JSON.stringify(record), ...(expiry ? ['PXAT', String(expiry)] : [])],
        ['HSET', k.tokens(), record.id, sha256],
      ];
    },

    /** The token's record, or undefined when unknown, revoked or expired. */
    async verify(token: string): Promise<TokenRecord | undefined> {
      const stored = await redis.get(k.token(hashToken(token)));
      if (!stored) return undefined;
      const record = JSON.parse(stored) as TokenRecord;
      return isExpired(record) ? undefined : record;
    },

    /**
     * A page of the tokens (valid ones, and expired ones in their grace period), in creation
     * order, optionally of one municipality (region-wide ones have none). The page is cut
     * from the whole index, read at once: a region has hundreds of tokens, not millions, and
     * expired ones leave it (forgetExpired).
     */
    async list({
      municipalityId,
      limit,
      after,
    }: {
      municipalityId?: string | undefined;
      limit: number;
      after?: TokenCursor | undefined;
    }): Promise<{ items: TokenRecord[]; nextCursor?: string }> {
      const rest = (await indexed())
        .flatMap(({ record }) => (record ? [record] : []))
        .filter((r) => municipalityId === undefined || r.municipalityId === municipalityId)
        .filter((r) => after === undefined || compareCreated(r, after) > 0)
        .sort(compareCreated);
      const items = rest.slice(0, limit);
      return rest.length > limit ? { items, nextCursor: tokenCursor(items.at(-1)!) } : { items };
    },

    async get(id: string): Promise<TokenRecord | undefined> {
      const sha = await redis.hGet(k.tokens(), id);
      const stored = sha ? await redis.get(k.token(sha)) : null;
      return stored ? (JSON.parse(stored) as TokenRecord) : undefined;
    },

    /** Revokes at once: the next request with the token is refused, and its event sockets are told to close (events/event-socket.ts). */
    async revoke(id: string, actor: Principal): Promise<TokenRecord> {
      const sha = await redis.hGet(k.tokens(), id);
      const stored = sha ? await redis.get(k.token(sha)) : null;
      if (!sha || !stored) throw new AppError(404, 'token_not_found', `No token has the id ${id}`);
      const record = JSON.parse(stored) as TokenRecord;
      const tx = redis.multi();
      tx.del(k.token(sha));
      tx.hDel(k.tokens(), id);
      tx.publish(k.tokenRevocations(), id);
      audit.append(tx, actor, {
        action: 'delete',
        object: { type: 'token', id },
        municipalityId: record.municipalityId,
        before: record,
      });
      await tx.exec();
      return record;
    },

    /**
     * Drops from the index the tokens whose record Redis has removed (its TTL: expiry plus
     * EXPIRED_TOKEN_GRACE_DAYS), so the index does not keep every token ever made. Not audited:
     * nothing anyone decided changes, and the token's creation stays in the audit log. Safe
     * beside creating and revoking: a record never comes back once gone (ids are random).
     */
    async forgetExpired(): Promise<number> {
      const gone = (await indexed()).filter(({ record }) => !record).map(({ id }) => id);
      if (gone.length === 0) return 0;
      await redis.hDel(k.tokens(), gone);
      log.info(
        { forgotten: gone.length, graceDays: EXPIRED_TOKEN_GRACE_DAYS },
        'tokens expired past their grace period left the token index',
      );
      return gone.length;
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
