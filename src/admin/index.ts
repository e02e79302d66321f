import type { AuditLog } from '../audit/audit-log.js';
import type { RegionConfig } from '../config/region-schema.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { createDialPolicyStore, dialPolicyReader } from './dial-policies.js';
import { DEFAULT_SIP_REALM, createExtensionStore } from './extensions.js';
import { createGreetingStore } from './greetings.js';
import { createNumberStore } from './numbers.js';
import { createOperatorAccountStore } from './operator-accounts.js';
import { operatorPhoneProblem } from '../operators/operator-phone.js';
import { createQueuePolicyStore } from './queue-policies.js';
import { createOpeningExceptionStore, createOpeningHoursStore } from './opening-hours.js';
import { regionRules } from './region-rules.js';

/** The administered objects, on the one versioned store (versioned-store.ts). */
export function createAdminStores(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  region: RegionConfig,
  // Without operator phone networks, an account's default phone can only be an extension.
  {
    sipRealm = DEFAULT_SIP_REALM,
    operatorPhoneProblem: phoneProblem = operatorPhoneProblem([], region),
  }: { sipRealm?: string | undefined; operatorPhoneProblem?: (phone: string) => string | undefined } = {},
) {
  const rules = regionRules(region);
  const dialPolicies = createDialPolicyStore(redis, k, audit, rules);
  return {
    extensions: createExtensionStore(redis, k, audit, rules, { sipRealm }),
    numbers: createNumberStore(redis, k, audit, rules, dialPolicyReader(dialPolicies, region)),
    openingHours: createOpeningHoursStore(redis, k, audit, rules, region),
    openingExceptions: createOpeningExceptionStore(redis, k, audit, rules),
    greetings: createGreetingStore(redis, k, audit, rules),
    operatorAccounts: createOperatorAccountStore(redis, k, audit, rules, phoneProblem),
    queuePolicies: createQueuePolicyStore(redis, k, audit, rules, region),
    dialPolicies,
  };
}

export type AdminStores = ReturnType<typeof createAdminStores>;
