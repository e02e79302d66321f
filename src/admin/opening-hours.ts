import type { AuditLog } from '../audit/audit-log.js';
import { type RegionConfig, closedEves, dayHours, timeOfDay, weeklyHours } from '../config/region-schema.js';
import { CLOSABLE_EVES } from '../hours/swedish-calendar.js';
import { z } from '../validation/schema.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { MunicipalityIdSchema, bodySchemas } from './fields.js';
import type { RegionRules } from './region-rules.js';
import { createVersionedStore, onePerMunicipality } from './versioned-store.js';

/**
 * Opening hours as IT staff keep them: weekly hours, the manual override, how the municipality
 * keeps the Swedish calendar (closed eves, early closing before holidays) and one-off
 * exceptions. What they mean for a call at an instant is hours/opening-state.ts's. Times of day
 * are local (Europe/Stockholm); instants are ISO 8601 with their UTC offset, so a moment is
 * never ambiguous across DST.
 */

const Instant = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with its UTC offset, e.g. 2026-12-24T12:00:00+01:00',
  })
  .openapi({ example: '2026-12-24T12:00:00+01:00' });

// Rebuilt from the config's shape: a schema made before @hono/zod-openapi extended zod (region-schema.ts may load first) has no .openapi.
const WeeklyHoursSchema = z
  .object(weeklyHours.shape)
  .strict()
  .openapi('WeeklyHours', {
    description:
      'Monday to Sunday, each a list of "HH:MM-HH:MM" open intervals in local time (Europe/Stockholm); a day left out is closed',
    example: { monday: ['08:00-12:00', '13:00-16:30'], friday: ['08:00-15:00'] },
  });

const OverrideSchema = z
  .object({
    state: z.enum(['open', 'closed']),
    until: Instant.openapi({ description: 'When the weekly hours and exceptions apply again' }),
  })
  .strict()
  .openapi('OpeningOverride', {
    description: 'Open or closed, whatever the hours say, until a moment (the manual switch)',
  });

const openingHoursFields = {
  municipalityId: MunicipalityIdSchema,
  weekly: WeeklyHoursSchema,
  override: OverrideSchema.optional(),
  // Plain zod schemas shared with the config (region-schema.ts): .meta, not .openapi, describes them.
  closedEves: closedEves.default([...CLOSABLE_EVES]).meta({
    description:
      'The eves closed all day like public holidays (default all three); an eve left out keeps its weekly hours, shortened as a day before a holiday',
    example: ['midsommarafton', 'julafton', 'nyårsafton'],
  }),
  preHolidayClosesAt: timeOfDay.optional().meta({
    description:
      'On a day before a public holiday or closed eve (skärtorsdagen, valborgsmässoafton, 23 December, ...) the day’s hours end at this local time; unset: the weekly hours as usual',
    example: '15:00',
  }),
};

export type OpeningHoursDoc = z.output<z.ZodObject<typeof openingHoursFields>>;
/** As sent: a day left out of `weekly` is closed. */
export type OpeningHoursInput = z.input<z.ZodObject<typeof openingHoursFields>>;

export const openingHoursBodies = bodySchemas(
  'OpeningHours',
  openingHoursFields,
  'each municipality has its own opening hours',
);

const exceptionFields = {
  municipalityId: MunicipalityIdSchema,
  start: Instant,
  end: Instant,
  kind: z
    .enum(['closed', 'open', 'reduced'])
    .openapi({ description: 'closed all the period; open or reduced: open during `hours` on each day of it' }),
  hours: dayHours.optional().openapi({
    description: 'For open and reduced: "HH:MM-HH:MM" local times; not for closed',
    example: ['10:00-13:00'],
  }),
  reason: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .openapi({ example: 'Julafton' }),
};

export type OpeningExceptionDoc = z.output<z.ZodObject<typeof exceptionFields>>;

export const openingExceptionBodies = bodySchemas(
  'OpeningException',
  exceptionFields,
  'delete the exception and create it in the other municipality',
);

/** Weekly hours and the manual override: one object per municipality, its id the kommunkod; until one is stored, GET shows config/region.yaml's hours. */
export function createOpeningHoursStore(
  redis: RedisClient,
  k: Keys,
  audit: AuditLog,
  rules: RegionRules,
  region: RegionConfig,
) {
  const configured = new Map(region.municipalities.map((m) => [m.id, m]));
  return createVersionedStore<OpeningHoursDoc, OpeningHoursInput>(redis, k, audit, {
    type: 'opening-hours',
    schema: rules.memberObject(openingHoursFields, () => undefined),
    ...onePerMunicipality,
    seed(id) {
      const m = configured.get(id);
      return (
        m && {
          municipalityId: id,
          weekly: m.openingHours,
          closedEves: m.closedEves,
          ...(m.preHolidayClosesAt ? { preHolidayClosesAt: m.preHolidayClosesAt } : {}),
        }
      );
    },
    label: (doc) => `the opening hours of ${doc.municipalityId}`,
  });
}

/** One-off periods (Personaldag, a summer closure) that replace the weekly hours and the calendar; where they overlap, hours/opening-state.ts decides which wins. */
export function createOpeningExceptionStore(redis: RedisClient, k: Keys, audit: AuditLog, rules: RegionRules) {
  return createVersionedStore<OpeningExceptionDoc>(redis, k, audit, {
    type: 'opening-exception',
    schema: rules.memberObject(exceptionFields, (doc, _m, ctx) => {
      if (Date.parse(doc.end) <= Date.parse(doc.start))
        ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${doc.start})` });
      if (doc.kind === 'closed' && doc.hours)
        ctx.addIssue({ code: 'custom', path: ['hours'], message: 'must not be given when kind is closed' });
      if (doc.kind !== 'closed' && !doc.hours?.length)
        ctx.addIssue({ code: 'custom', path: ['hours'], message: `is required when kind is ${doc.kind}` });
    }),
    // UTC, so that the list is in order of time whatever offset each was written with.
    sortKey: (doc) => new Date(doc.start).toISOString(),
    label: (doc) => `the exception ${doc.reason} (${doc.start})`,
    claims: () => [],
  });
}

export type OpeningHoursStore = ReturnType<typeof createOpeningHoursStore>;
export type OpeningExceptionStore = ReturnType<typeof createOpeningExceptionStore>;
