import type { AuditLog } from '../audit/audit-log.js';
import { z } from '../http/openapi.js';
import { MAX_WEIGHT, MIN_WEIGHT } from '../operators/operator-store.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import { notAMember, type RegionRules } from './region-rules.js';
import { createVersionedStore } from './versioned-store.js';

/** The SIP address the switchboard rings an operator on. */
export const OperatorPhoneSchema = z
  .string()
  .trim()
  .max(256, 'is too long for the SIP address of a phone')
  .regex(/^sips?:[^@\s;]+@[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be the SIP address of a phone, like sip:anna@10.1.2.3:5060')
  .openapi({ example: 'sip:anna@10.1.2.3:5060' });

/** One municipality an operator serves, and how strongly its callers are favoured. */
export const ServedMunicipalitySchema = z
  .object({
    id: MunicipalityIdSchema,
    weight: z
      .number()
      .min(MIN_WEIGHT, `must be at least ${MIN_WEIGHT}`)
      .max(MAX_WEIGHT, `must be at most ${MAX_WEIGHT}`)
      .openapi({ description: 'The next call is the longest waiting by wait × weight (plus priority boosts): 2 favours this municipality’s callers' }),
  })
  .strict()
  .openapi('ServedMunicipality');

const accountFields = {
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').openapi({ example: 'Eva Telefonist' }),
  municipalityId: MunicipalityIdSchema.openapi({ description: 'The employer (usually Bjurholm, which hosts the switchboard): its admins administer the account' }),
  tokenId: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'must be the id of an API token (GET /api/v1/tokens)')
    .optional()
    .openapi({ description: 'The operator token this account belongs to: logging in with it needs no body' }),
  phone: OperatorPhoneSchema.optional().openapi({ description: 'The desk phone, used when login does not name one' }),
  municipalities: z
    .array(ServedMunicipalitySchema)
    .min(1, 'serve at least one municipality')
    .refine((served) => new Set(served.map((m) => m.id)).size === served.length, 'lists a municipality twice')
    .openapi({ description: 'Served by default, each with its weight' }),
};

export type OperatorAccountDoc = z.output<z.ZodObject<typeof accountFields>>;

export const operatorAccountBodies = bodySchemas('OperatorAccount', accountFields, 'delete the account and create it under the other employer');

/**
 * Operator accounts (telefonister): who an operator is and what they serve by default, so that
 * logging in is one click. An account belongs to its employer's municipality; a token is linked
 * to at most one account (a region-wide claim).
 */
export function createOperatorAccountStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules) {
  return createVersionedStore<OperatorAccountDoc>(redis, k, audit, {
    type: 'operator-account',
    schema: rules.memberObject(accountFields, (doc, _m, ctx) => {
      doc.municipalities.forEach((served, i) => {
        if (!rules.isMember(served.id)) ctx.addIssue({ code: 'custom', path: ['municipalities', i, 'id'], message: notAMember(served.id) });
      });
    }),
    sortKey: (doc) => doc.name.toLowerCase().replace(/\s+/g, '_'),
    label: (doc) => `operator account ${doc.name}`,
    claims: (doc) => (doc.tokenId ? [{ claim: `operator-token:${doc.tokenId}`, field: 'tokenId' }] : []),
  });
}

export type OperatorAccountStore = ReturnType<typeof createOperatorAccountStore>;
