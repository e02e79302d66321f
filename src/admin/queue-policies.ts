import type { AuditLog } from '../audit/audit-log.js';
import { type QueuePolicy, type RegionConfig, overflowQueueProblems, queuePolicy } from '../config/region-schema.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { createVersionedStore, onePerMunicipality } from './versioned-store.js';

const policyFields = { municipalityId: MunicipalityIdSchema, ...queuePolicy.shape };

export type QueuePolicyDoc = QueuePolicy & { municipalityId: string };

export const queuePolicyBodies = bodySchemas('QueuePolicy', policyFields, 'each municipality has its own queue policy');

/**
 * A municipality's queue policy (maximum wait and length, no operator, announcements), one per
 * municipality, its id the kommunkod. Until one is stored, GET shows config/region.yaml's as
 * version 0; the queue (queue/policy/) reads the stored one, so a change applies to the next
 * call and the next sweep, without a restart.
 */
export function createQueuePolicyStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules, region: RegionConfig) {
  const configured = new Map(region.municipalities.map((m) => [m.id, m.queuePolicy]));
  return createVersionedStore<QueuePolicyDoc>(redis, k, audit, {
    type: 'queue-policy',
    schema: rules.memberObject(policyFields, (doc, m, ctx) => {
      for (const { message, path } of overflowQueueProblems(doc, m.id, rules.isMember)) ctx.addIssue({ code: 'custom', message, path });
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
