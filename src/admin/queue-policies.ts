import type { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { type QueuePolicy, type RegionConfig, overflowQueueProblems, queuePolicy } from '../config/region-schema.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { createVersionedStore, onePerMunicipality } from './versioned-store.js';

const policyFields = {
  municipalityId: MunicipalityIdSchema,
  ...queuePolicy.shape,
  // A plain zod schema shared with the config (region-schema.ts): .meta, not .openapi, describes it.
  priorityClasses: queuePolicy.shape.priorityClasses.meta({
    description:
      'Callers answered ahead of others, the first class that matches applying: as if they had waited boostSeconds longer. memberNumbers: a caller from any member’s extension or direct-dial range; numbers: listed callers (any Swedish notation, stored as E.164). Absent: none. Applies to calls arriving after the change.',
    example: [
      { name: 'member', boostSeconds: 120, memberNumbers: true },
      { name: 'listed', boostSeconds: 60, numbers: ['070-123 45 67'] },
    ],
  }),
};

export type QueuePolicyDoc = QueuePolicy & { municipalityId: string };
/** As sent: a priority class's memberNumbers and numbers may be left out. */
export type QueuePolicyInput = z.input<z.ZodObject<typeof policyFields>>;

export const queuePolicyBodies = bodySchemas('QueuePolicy', policyFields, 'each municipality has its own queue policy');

/**
 * A municipality's queue policy (maximum wait and length, no operator, announcements, priority
 * classes), one per municipality, its id the kommunkod. Until one is stored, GET shows
 * config/region.yaml's as version 0; the queue (queue/policy/) reads the stored one, so a change
 * applies to the next call and the next sweep, without a restart. A policy stored before priority
 * classes were part of it has none (absent) until IT staff add them.
 */
export function createQueuePolicyStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  rules: RegionRules,
  region: RegionConfig,
) {
  const configured = new Map(region.municipalities.map((m) => [m.id, m.queuePolicy]));
  return createVersionedStore<QueuePolicyDoc, QueuePolicyInput>(redis, k, audit, {
    type: 'queue-policy',
    schema: rules.memberObject(policyFields, (doc, m, ctx) => {
      for (const { message, path } of overflowQueueProblems(doc, m.id, rules.isMember))
        ctx.addIssue({ code: 'custom', message, path });
    }),
    ...onePerMunicipality,
    seed(id) {
      const policy = configured.get(id);
      return policy && { municipalityId: id, ...policy };
    },
    label: (doc) => `the queue policy of ${doc.municipalityId}`,
  });
}

export type QueuePolicyStore = ReturnType<typeof createQueuePolicyStore>;
