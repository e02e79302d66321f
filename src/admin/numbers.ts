import type { AuditLog } from '../audit/audit-log.js';
import { z } from '../http/openapi.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { ExtensionNumberSchema, MunicipalityIdSchema, PhoneNumberSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { createVersionedStore } from './versioned-store.js';

export const NumberTargetSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('extension'), extension: ExtensionNumberSchema }).strict(),
    z.object({ kind: z.literal('queue') }).strict().openapi({ description: "The municipality's queue: an operator answers" }),
    z.object({ kind: z.literal('external'), number: PhoneNumberSchema }).strict().openapi({ description: 'A number outside the region' }),
  ])
  .openapi('NumberTarget');

const numberFields = {
  number: PhoneNumberSchema,
  municipalityId: MunicipalityIdSchema,
  target: NumberTargetSchema,
};

export type NumberDoc = z.output<z.ZodObject<typeof numberFields>>;

export const numberBodies = bodySchemas('Number', numberFields, 'delete the number and create it in the other municipality');

/**
 * Direct-dial numbers (direktnummer) and where a call to one goes. A number lies in its
 * municipality's direct-dial ranges; main numbers and the regional number belong to the region
 * config, not here. A number routed to an extension points at it: the extension must exist, and
 * cannot be deleted or renumbered while the number routes to it.
 */
export function createNumberStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules) {
  return createVersionedStore<NumberDoc>(redis, k, audit, {
    type: 'number',
    schema: rules.memberObject(numberFields, (doc, m, ctx) => {
      rules.checkDirectDial(m, doc.number, ctx, ['number']);
      if (doc.target.kind === 'extension') rules.checkExtension(m, doc.target.extension, ctx, ['target', 'extension']);
      if (doc.target.kind === 'external') rules.checkExternal(doc.target.number, ctx, ['target', 'number']);
    }),
    sortKey: (doc) => doc.number,
    label: (doc) => `number ${formatForDisplay(doc.number)}`,
    claims: (doc) => [{ claim: `e164:${doc.number}`, field: 'number' }],
    refs: (doc) => (doc.target.kind === 'extension' ? [{ claim: `extension:${doc.target.extension}`, field: 'target.extension' }] : []),
    reservedBy: rules.reservedBy,
  });
}

export type NumberStore = ReturnType<typeof createNumberStore>;
