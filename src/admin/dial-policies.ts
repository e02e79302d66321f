import type { AuditLog } from '../audit/audit-log.js';
import type { RegionConfig } from '../config/region-schema.js';
import {
  CALLER_KINDS,
  CHOOSABLE_CLASSES,
  type CallerKind,
  type DialDecision,
  type DialPolicy,
  DEFAULT_DIAL_POLICY,
  decideDial,
} from '../dialling/dial-policy.js';
import { z } from '../validation/schema.js';
import { regionAreaCodes } from '../numbers/number-class.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { type VersionedStore, createVersionedStore, onePerMunicipality } from './versioned-store.js';

const WHO: Record<CallerKind, string> = {
  extension: 'a registered phone dialling out',
  transfer: 'an operator transferring a call to an external number',
  callback: 'a booked call-back dialling the citizen',
  forwarded: 'a direct number forwarded to an external number',
};

/** The classes one kind of caller may dial, each once. */
const classList = (kind: CallerKind) =>
  z
    .array(z.enum(CHOOSABLE_CLASSES))
    .superRefine((classes, ctx) => {
      classes.forEach((c, i) => {
        const first = classes.indexOf(c);
        if (first < i) ctx.addIssue({ code: 'custom', path: [i], message: `${c} is also at [${first}]` });
      });
    })
    .openapi({
      description: `The number classes ${WHO[kind]} may dial; emergency (112) and national short numbers (1177, 11414, …) always, whatever is listed`,
      example: [...DEFAULT_DIAL_POLICY.allow[kind]],
    });

const dialPolicyFields = {
  municipalityId: MunicipalityIdSchema,
  allow: z
    .object(
      Object.fromEntries(CALLER_KINDS.map((kind) => [kind, classList(kind)])) as Record<
        CallerKind,
        ReturnType<typeof classList>
      >,
    )
    .strict()
    .openapi({ description: 'Per kind of caller, the number classes allowed (docs/decisions.md, "Dial policy")' }),
  extensionDailyCap: z
    .object({
      calls: z
        .number()
        .int('must be a whole number')
        .min(1)
        .max(10_000)
        .openapi({ description: 'External calls a day per extension', example: 200 }),
      minutes: z
        .number()
        .int('must be a whole number')
        .min(1)
        .max(100_000)
        .openapi({ description: 'External minutes a day per extension (each call rounded up)', example: 600 }),
    })
    .strict()
    .openapi({
      description:
        'Per extension and local day (Europe/Stockholm): past either, its external calls are refused; emergency and short numbers are never counted',
    }),
};

export type DialPolicyDoc = DialPolicy & { municipalityId: string };
/** As sent, the same as stored: every field is required (a PATCH gives some of them). */
export type DialPolicyInput = DialPolicyDoc;

export const dialPolicyBodies = bodySchemas(
  'DialPolicy',
  dialPolicyFields,
  'each municipality has its own dial policy',
);

/**
 * Each municipality's dial policy (toll fraud: which numbers each kind of caller may dial, and
 * the daily cap per extension), one per municipality, its id the kommunkod. Until one is stored,
 * GET shows DEFAULT_DIAL_POLICY as version 0. Read at every decision (dialling/dialling-guard.ts),
 * so a change applies to the next call.
 */
export function createDialPolicyStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules) {
  return createVersionedStore<DialPolicyDoc, DialPolicyInput>(redis, k, audit, {
    type: 'dial-policy',
    schema: rules.memberObject(dialPolicyFields, () => undefined),
    ...onePerMunicipality,
    seed: (id) => (rules.isMember(id) ? { municipalityId: id, ...DEFAULT_DIAL_POLICY } : undefined),
    label: (doc) => `the dial policy of ${doc.municipalityId}`,
  });
}

export type DialPolicyStore = VersionedStore<DialPolicyDoc, DialPolicyInput>;

/**
 * The dial policies as deciders read them: a municipality's as stored (the default until one
 * is), and decisions under it classifying with the region's own area codes, nothing recorded.
 * The guard (which records refusals) and the admin API's check of forward targets both use it.
 */
export function dialPolicyReader(policies: Pick<DialPolicyStore, 'get'>, region: RegionConfig) {
  const areaCodes = regionAreaCodes(region.municipalities.flatMap((m) => m.mainNumbers));
  const names = new Map(region.municipalities.map((m) => [m.id, m.name]));
  const policyOf = async (municipalityId: string): Promise<DialPolicy> =>
    (await policies.get(municipalityId))?.doc ?? DEFAULT_DIAL_POLICY;
  return {
    policyOf,
    async decide(municipalityId: string, kind: CallerKind, dialled: string): Promise<DialDecision> {
      return decideDial(await policyOf(municipalityId), kind, dialled, areaCodes);
    },
    /** The municipality's name, for messages. */
    nameOf: (municipalityId: string): string => names.get(municipalityId) ?? municipalityId,
  };
}

export type DialPolicyReader = ReturnType<typeof dialPolicyReader>;
