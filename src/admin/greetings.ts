import type { AuditLog } from '../audit/audit-log.js';
import type { CallRecord } from '../calls/call-record.js';
import type { DirectoryStore } from '../directory/directory-store.js';
import { z } from '../validation/schema.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { type VersionedStore, createVersionedStore, onePerMunicipality } from './versioned-store.js';

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const greetingFields = {
  municipalityId: MunicipalityIdSchema,
  greeting: text(200).openapi({
    description: 'What the operator says on answering',
    example: 'Vännäs kommun, välkommen. Vad kan jag hjälpa dig med?',
  }),
  callbackGreeting: text(200).optional().openapi({
    description: 'What the operator says when the citizen answers a call-back; the region config’s when left out',
    example: 'Hej, det här är Vännäs kommun som ringer upp dig efter ditt samtal.',
  }),
  closedMessage: text(1000).optional().openapi({ description: 'What a caller hears outside opening hours' }),
  queueAnnouncements: z
    .array(text(500))
    .max(10, 'must be at most 10 texts')
    .optional()
    .openapi({ description: 'What a waiting caller hears, in turn' }),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as sv or sv-SE')
    .default('sv')
    .openapi({ description: 'BCP 47 language tag of the texts', example: 'sv' }),
};

export type GreetingDoc = z.output<z.ZodObject<typeof greetingFields>>;
export type GreetingInput = z.input<z.ZodObject<typeof greetingFields>>;

export const greetingBodies = bodySchemas('Greeting', greetingFields, 'each municipality has its own greeting');

/** A municipality's greeting and announcement texts: one object per municipality, its id the kommunkod. */
export function createGreetingStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules) {
  return createVersionedStore<GreetingDoc, GreetingInput>(redis, k, audit, {
    type: 'greeting',
    schema: rules.memberObject(greetingFields, () => undefined),
    ...onePerMunicipality,
    label: (doc) => `the greeting of ${doc.municipalityId}`,
  });
}

export type GreetingStore = VersionedStore<GreetingDoc, GreetingInput>;

/** What the operator says on answering a call to the municipality: the stored greeting, else the region config's. */
export async function operatorGreeting(
  greetings: Pick<GreetingStore, 'get'>,
  municipalityId: string,
  configured: string | undefined,
): Promise<string | undefined> {
  return (await greetings.get(municipalityId))?.doc.greeting ?? configured;
}

/**
 * The greeting for this call: a call that overflowed into another queue is still a call to the
 * municipality dialled, greeted in its name. A call-back is the switchboard calling the citizen,
 * so "välkommen" would be wrong: it has its own opening (stored, else the config's, else one
 * naming the municipality without its genitive, which no rule derives: "Umeå kommun", "Bjurholms kommun").
 */
export async function callGreeting(
  greetings: Pick<GreetingStore, 'get'>,
  directory: Pick<DirectoryStore, 'getMunicipality'>,
  call: Pick<CallRecord, 'municipalityId' | 'overflowFrom' | 'kind'>,
): Promise<string | undefined> {
  const calledId = call.overflowFrom ?? call.municipalityId;
  const municipality = await directory.getMunicipality(calledId);
  if (call.kind !== 'callback') return operatorGreeting(greetings, calledId, municipality?.greeting);
  const fallback =
    municipality && `Hej, det här är kommunväxeln i ${municipality.name} som ringer upp dig efter ditt samtal.`;
  return (await greetings.get(calledId))?.doc.callbackGreeting ?? municipality?.callbackGreeting ?? fallback;
}
