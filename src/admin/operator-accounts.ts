import type { AuditLog } from '../audit/audit-log.js';
import { type Principal, assertInScope } from '../auth/access.js';
import { type TokenStore, isExpired } from '../auth/token-store.js';
import { AppError } from '../errors.js';
import { z } from '../validation/schema.js';
import { OperatorPhoneSchema } from '../operators/operator-phone.js';
import { MAX_WEIGHT, MIN_WEIGHT } from '../operators/operator-store.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { conflict } from './change-errors.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import { notAMember, type RegionRules } from './region-rules.js';
import { type Versioned, createVersionedStore } from './versioned-store.js';

/** One municipality an operator serves, and how strongly its callers are favoured. */
export const ServedMunicipalitySchema = z
  .object({
    id: MunicipalityIdSchema,
    weight: z
      .number()
      .min(MIN_WEIGHT, `must be at least ${MIN_WEIGHT}`)
      .max(MAX_WEIGHT, `must be at most ${MAX_WEIGHT}`)
      .openapi({
        description:
          'The next call is the longest waiting by wait × weight (plus priority boosts): 2 favours this municipality’s callers',
      }),
  })
  .strict()
  .openapi('ServedMunicipality');

const accountFields = {
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .openapi({ example: 'Eva Telefonist' }),
  municipalityId: MunicipalityIdSchema.openapi({
    description: 'The employer (usually Bjurholm, which hosts the switchboard): its admins administer the account',
  }),
  tokenId: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'must be the id of an API token (GET /api/v1/tokens)')
    .optional()
    .openapi({
      description:
        'The operator token this account belongs to (logging in with it needs no body): a valid operator token whose employer (its municipalityId) is this account’s, or a region-wide one; a municipality admin may link only their own municipality’s',
    }),
  phone: OperatorPhoneSchema.optional().openapi({
    description:
      'The desk phone, used when login does not name one: sip:user@<IP address> on an operator phone network (OPERATOR_PHONE_NETWORKS), or an extension of the region (e.g. 2403100)',
  }),
  municipalities: z
    .array(ServedMunicipalitySchema)
    .min(1, 'serve at least one municipality')
    .refine((served) => new Set(served.map((m) => m.id)).size === served.length, 'lists a municipality twice')
    .openapi({ description: 'Served by default, each with its weight' }),
};

export type OperatorAccountDoc = z.output<z.ZodObject<typeof accountFields>>;

export const operatorAccountBodies = bodySchemas(
  'OperatorAccount',
  accountFields,
  'delete the account and create it under the other employer',
);

/**
 * Operator accounts (telefonister): who an operator is and what they serve by default, so that
 * logging in is one click. An account belongs to its employer's municipality; a token is linked
 * to at most one account (a region-wide claim). `phoneProblem` says why a default phone may not
 * be rung (operators/operator-phone.ts operatorPhoneProblem).
 */
export function createOperatorAccountStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  rules: RegionRules,
  phoneProblem: (phone: string) => string | undefined,
) {
  return createVersionedStore<OperatorAccountDoc>(redis, k, audit, {
    type: 'operator-account',
    schema: rules.memberObject(accountFields, (doc, _m, ctx) => {
      doc.municipalities.forEach((served, i) => {
        if (!rules.isMember(served.id))
          ctx.addIssue({ code: 'custom', path: ['municipalities', i, 'id'], message: notAMember(served.id) });
      });
      const phone = doc.phone === undefined ? undefined : phoneProblem(doc.phone);
      if (phone) ctx.addIssue({ code: 'custom', path: ['phone'], message: phone });
    }),
    sortKey: (doc) => doc.name.toLowerCase().replace(/\s+/g, '_'),
    label: (doc) => `operator account ${doc.name}`,
    claims: (doc) => (doc.tokenId ? [{ claim: `operator-token:${doc.tokenId}`, field: 'tokenId' }] : []),
  });
}

export type OperatorAccountStore = ReturnType<typeof createOperatorAccountStore>;

/**
 * The accounts with their token link checked before a change is stored (docs/decisions.md,
 * "Operator accounts and their tokens"): `tokenId` must name a valid (known, unrevoked,
 * unexpired) operator token (409 otherwise). Operator tokens act region-wide (an operator
 * serves any member's queue), so any served municipalities suit them; what ties a token to an
 * account is its employer, the token's optional municipalityId: one of another municipality is a
 * 409, and a municipality admin may link only their own municipality's tokens, never a
 * region-wide one (403). Checked when the link is made or changed, not on every later change.
 */
export function withTokenLinkCheck(store: OperatorAccountStore, tokens: Pick<TokenStore, 'get'>): OperatorAccountStore {
  async function checkLink(tokenId: string, employer: string, actor: Principal): Promise<void> {
    // The account's own scope first: a municipality admin is told the account is not theirs.
    assertInScope(actor, employer);
    const token = await tokens.get(tokenId);
    if (!token || isExpired(token))
      throw conflict(
        'token_not_found',
        'tokenId',
        `no valid token has the id ${tokenId} (unknown, revoked or expired)`,
      );
    if (token.role !== 'operator')
      throw conflict(
        'token_not_operator',
        'tokenId',
        `is a ${token.role} token: only an operator token can be an operator's`,
      );
    if (actor.role === 'municipality-admin' && token.municipalityId !== actor.municipalityId) {
      const problem = token.municipalityId
        ? `is a token of ${token.municipalityId}: you may link only tokens of ${actor.municipalityId}`
        : 'is a region-wide operator token: only a region admin may link it';
      throw new AppError(403, 'other_municipality', `body.tokenId: ${problem}`, [{ field: 'body.tokenId', problem }]);
    }
    if (token.municipalityId !== undefined && token.municipalityId !== employer) {
      throw conflict(
        'token_other_municipality',
        'tokenId',
        `is the token of an operator employed by ${token.municipalityId}, not by ${employer} (the account's municipalityId)`,
      );
    }
  }

  return {
    ...store,
    async create(input, actor) {
      if (input.tokenId !== undefined) await checkLink(input.tokenId, input.municipalityId, actor);
      return store.create(input, actor);
    },
    async update(id, basedOn, patch, actor) {
      // A missing object (404) or a stale If-Match (412) is the store's to say first.
      const current = patch.tokenId ? await store.get(id) : undefined;
      if (current?.version === basedOn && patch.tokenId && patch.tokenId !== current.doc.tokenId)
        await checkLink(patch.tokenId, current.doc.municipalityId, actor);
      return store.update(id, basedOn, patch, actor);
    },
  };
}

/** An operator account as statistics name it. */
export interface AccountName {
  id: string;
  name: string;
}

/**
 * Which operator account a token served as. Call records name operators by token id (the
 * operator is the token's holder), but token ids are not for handing out and a token is
 * replaced at least every two years, so statistics name calls by account: the account linked
 * to the token now, else the one it was linked to when last used to log in, remembered in
 * {p}:operator-token-accounts (token ids are never reused, so the link stays true).
 */
export function createTokenAccounts(
  redis: RedisClient,
  k: Keys,
  accounts: Pick<OperatorAccountStore, 'idByClaim' | 'get'>,
) {
  const linkedId = (tokenId: string) => accounts.idByClaim(`operator-token:${tokenId}`);
  return {
    /** The account linked to the token now (at login: its defaults). */
    async linked(tokenId: string): Promise<Versioned<OperatorAccountDoc> | undefined> {
      const id = await linkedId(tokenId);
      return id === undefined ? undefined : accounts.get(id);
    },

    /** Remembers that the token logged in as the account, for when the link moves on (after the login: a refused one changes nothing). */
    async remember(tokenId: string, accountId: string): Promise<void> {
      await redis.hSet(k.operatorTokenAccounts(), tokenId, accountId);
    },

    /** Each token's account, linked now or remembered; absent when neither, or the account is gone. */
    async named(tokenIds: readonly string[]): Promise<Map<string, AccountName>> {
      const remembered = tokenIds.length === 0 ? [] : await redis.hmGet(k.operatorTokenAccounts(), [...tokenIds]);
      const found = await Promise.all(
        tokenIds.map(async (tokenId, i) => {
          const id = (await linkedId(tokenId)) ?? remembered[i] ?? undefined;
          const account = id ? await accounts.get(id) : undefined;
          return [tokenId, account && { id: account.id, name: account.doc.name }] as const;
        }),
      );
      return new Map(found.flatMap(([tokenId, account]) => (account ? [[tokenId, account]] : [])));
    },
  };
}

export type TokenAccounts = ReturnType<typeof createTokenAccounts>;
