import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDialPolicyStore } from '../../src/admin/dial-policies.js';
import { regionRules } from '../../src/admin/region-rules.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { parseRegionConfig } from '../../src/config/load-region.js';
import {
  CALLER_KINDS,
  type CallerKind,
  type ChoosableClass,
  DEFAULT_DIAL_POLICY,
} from '../../src/dialling/dial-policy.js';
import { createDiallingGuard } from '../../src/dialling/dialling-guard.js';
import type { RedisTestContext } from './redis.js';

/** config/region.yaml as shipped, read once. */
export const shippedRegion = parseRegionConfig(
  readFileSync(resolve('config/region.yaml'), 'utf8'),
  'config/region.yaml',
);

/**
 * The dial policy on a test's Redis as the switchboard wires it (src/services.ts), for the
 * shipped region: every municipality has the default policy until the test stores one in
 * `policies`. `now` is the guard's clock (the day a cap counts in).
 */
export function testDialling(ctx: Pick<RedisTestContext, 'redis' | 'k'>, { now }: { now?: () => number } = {}) {
  const policies = createDialPolicyStore(
    ctx.redis,
    ctx.k,
    createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }),
    regionRules(shippedRegion),
  );
  return {
    policies,
    guard: createDiallingGuard(ctx.redis, ctx.k, { policies, region: shippedRegion, ...(now ? { now } : {}) }),
  };
}

/** A policy's `allow` as stored: the default's, with `changes` for some kinds of caller. */
export function allowing(changes: Partial<Record<CallerKind, ChoosableClass[]>>): Record<CallerKind, ChoosableClass[]> {
  return Object.fromEntries(
    CALLER_KINDS.map((kind) => [kind, [...(changes[kind] ?? DEFAULT_DIAL_POLICY.allow[kind])]]),
  ) as Record<CallerKind, ChoosableClass[]>;
}
