import { z } from 'zod';
import { CLOSABLE_EVES } from '../hours/swedish-calendar.js';
import { e164Digits, parsePhoneNumber } from '../numbers/phone-number.js';
import { type NetworkSpan, networkSpan, spansOverlap } from './networks.js';
import { DEFAULT_SERVICE_LEVEL_SECONDS } from '../statistics/compute.js';

/**
 * The shape of config/region.yaml: who the members are and which numbers are theirs.
 * Membership is data: a municipality joining is one more entry here, nothing in code.
 * Numbers are written as people write them and stored as E.164 after parsing.
 */

/** A number written any Swedish way, as E.164; the API's number fields use it too (admin/fields.ts). */
export const phoneNumber = z.string().transform((raw, ctx) => {
  const parsed = parsePhoneNumber(raw);
  if (parsed.ok) return parsed.e164;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

/** An inclusive range whose ends are written with the same number of digits, `from` first. */
function orderedRange<T extends z.ZodType<string>>(end: T, magnitude: (value: string) => number) {
  return z
    .object({ from: end, to: end })
    .strict()
    .superRefine((range, ctx) => {
      const { from, to } = range as { from: string; to: string };
      if (from.length !== to.length) {
        ctx.addIssue({ code: 'custom', message: 'from and to must have the same number of digits', path: ['to'] });
      } else if (magnitude(from) > magnitude(to)) {
        ctx.addIssue({ code: 'custom', message: 'from must not be after to', path: ['to'] });
      }
    });
}

const numberRange = orderedRange(phoneNumber, e164Digits);
const extensionRange = orderedRange(z.string().regex(/^\d{2,8}$/, 'must be 2 to 8 digits'), Number);

const clockTime = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A local time of day, "15:00". */
export const timeOfDay = z.string().regex(clockTime, 'must be a clock time (00:00-23:59), e.g. "15:00"');
const openInterval = z
  .string()
  .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must look like "08:00-16:30"')
  .refine(
    (text) => text.split('-').every((t) => clockTime.test(t)),
    'has a time that is not a clock time (00:00-23:59)',
  )
  .refine((text) => {
    const [open, close] = text.split('-') as [string, string];
    return open < close;
  }, 'must open before it closes');

/** A day's open intervals ("08:00-12:00", "13:00-16:30"), none overlapping another (touching is fine). */
export const dayHours = z.array(openInterval).superRefine((intervals, ctx) => {
  intervals.forEach((interval, i) => {
    const [open, close] = interval.split('-') as [string, string];
    const clash = intervals.findIndex(
      (other, j) => j < i && open < other.split('-')[1]! && other.split('-')[0]! < close,
    );
    if (clash !== -1) ctx.addIssue({ code: 'custom', path: [i], message: `overlaps ${intervals[clash]}` });
  });
});

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
/** Monday to Sunday, each the day's open intervals; a day left out is closed. */
export const weeklyHours = z
  .object(
    Object.fromEntries(weekdays.map((day) => [day, dayHours.default([])])) as Record<
      (typeof weekdays)[number],
      z.ZodDefault<typeof dayHours>
    >,
  )
  .strict();

/** Each of midsommarafton, julafton, nyårsafton at most once. */
export const closedEves = z
  .array(z.enum(CLOSABLE_EVES))
  .refine((eves) => new Set(eves).size === eves.length, 'must name each eve at most once');

/**
 * Where a call goes when a queue policy limit is reached: another member's queue (keeping its
 * place in line), a recorded message and then hang-up, or an offer of a call-back (press 1).
 */
const overflowTarget = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('queue'),
      municipality: z.string().regex(/^\d{4}$/, 'must be the four-digit SCB kommunkod'),
    })
    .strict(),
  z.object({ kind: z.literal('message') }).strict(),
  z.object({ kind: z.literal('callback') }).strict(),
]);
export type OverflowTarget = z.output<typeof overflowTarget>;

/**
 * A priority class of a municipality's queue (queue/priority.ts): a caller it matches is
 * answered as if they had waited boostSeconds longer (docs/decisions.md, "Choice of the next call").
 */
const priorityClass = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1 to 40 lowercase letters, digits and dashes'),
    boostSeconds: z.number().int('must be a whole number of seconds').min(1).max(3600),
    /** Callers from any member's extension or direct-dial range (staff calling through the switchboard). */
    memberNumbers: z.boolean().default(false),
    /** Callers from these numbers. */
    numbers: z.array(phoneNumber).default([]),
  })
  .strict()
  .refine((c) => c.memberNumbers || c.numbers.length > 0, {
    message: 'matches no caller: set memberNumbers or list numbers',
    path: ['numbers'],
  });
export type PriorityClass = z.output<typeof priorityClass>;

/** A municipality's queue policy (queue/policy/); every limit is optional (none: callers wait until answered). */
export const queuePolicy = z
  .object({
    maxWait: z
      .object({ seconds: z.number().int().min(1), overflow: overflowTarget })
      .strict()
      .optional(),
    maxLength: z
      .object({ calls: z.number().int().min(1), overflow: overflowTarget })
      .strict()
      .optional(),
    /** No logged-in operator serves the municipality when the call arrives. */
    noOperator: overflowTarget.optional(),
    /** Seconds between position/expected-wait announcements while waiting. */
    announceEverySeconds: z.number().int().min(5).default(45),
    /** Callers that go first, the first matching class applying (queue/priority.ts); absent: none. */
    priorityClasses: z
      .array(priorityClass)
      .refine((classes) => new Set(classes.map((c) => c.name)).size === classes.length, 'names a class twice')
      .optional(),
  })
  .strict();
export type QueuePolicy = z.output<typeof queuePolicy>;

/**
 * What is wrong with a policy's overflow queues: each must be another member's. The config and
 * the admin API (admin/queue-policies.ts) check with this one rule.
 */
export function overflowQueueProblems(
  policy: z.input<typeof queuePolicy>,
  self: string,
  isMember: (id: string) => boolean,
): { message: string; path: (string | number)[] }[] {
  const targets: [OverflowTarget | undefined, string[]][] = [
    [policy.maxWait?.overflow, ['maxWait', 'overflow']],
    [policy.maxLength?.overflow, ['maxLength', 'overflow']],
    [policy.noOperator, ['noOperator']],
  ];
  return targets.flatMap(([target, at]) => {
    if (target?.kind !== 'queue') return [];
    const path = [...at, 'municipality'];
    if (!isMember(target.municipality))
      return [{ message: `"${target.municipality}" is not the id of a configured municipality`, path }];
    return target.municipality === self
      ? [{ message: 'must be another municipality than the queue itself', path }]
      : [];
  });
}

/**
 * priorityClasses sat beside queuePolicy until they became part of it (so IT staff change them
 * under /api/v1/queue-policies): a file still written that way is refused with where they go now.
 */
function movedKeyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys' || !issue.keys.includes('priorityClasses')) return undefined;
  const others = issue.keys.filter((key) => key !== 'priorityClasses');
  const moved = 'priorityClasses has moved into the queue policy: write it as queuePolicy.priorityClasses';
  return others.length === 0 ? moved : `${moved}; unrecognized keys: ${others.map((key) => `"${key}"`).join(', ')}`;
}

/** A network written as CIDR, its address the network's first (no host bits). */
const phoneNetwork = z
  .union([z.cidrv4(), z.cidrv6()], { error: 'must be a network in CIDR form, e.g. "10.24.60.0/24"' })
  .superRefine((cidr, ctx) => {
    if (networkSpan(cidr).hostBits)
      ctx.addIssue({ code: 'custom', message: "has host bits set: write the network's first address" });
  });

const municipality = z.strictObject(
  {
    id: z.string().regex(/^\d{4}$/, 'must be the four-digit SCB kommunkod'),
    name: z.string().trim().min(1, 'must not be empty'),
    greeting: z.string().trim().min(1, 'must not be empty'),
    /** What the operator says when the citizen answers a call-back ("Hej, det här är Vännäs kommun som ringer upp…"): the switchboard calls, so the welcome would be wrong. */
    callbackGreeting: z.string().trim().min(1, 'must not be empty').optional(),
    mainNumbers: z.array(phoneNumber).min(1, 'needs at least one main number'),
    directDialRanges: z.array(numberRange).default([]),
    extensionRanges: z.array(extensionRange).min(1, 'needs at least one extension range'),
    openingHours: weeklyHours,
    /** Eves closed like holidays (hours/swedish-calendar.ts); the seed of the admin's opening hours. */
    closedEves: closedEves.default([...CLOSABLE_EVES]),
    /** On a day before a holiday the day's hours end at this time (unset: the weekly hours as usual). */
    preHolidayClosesAt: timeOfDay.optional(),
    /** Statistics: a call answered within this many seconds counts towards the service level. */
    serviceLevelSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1)
      .max(3600)
      .default(DEFAULT_SERVICE_LEVEL_SECONDS),
    queuePolicy: queuePolicy.default({ announceEverySeconds: 45 }),
    /**
     * The networks (CIDR) the municipality's phones are on: a 112 call from a phone that is not
     * registered shows this municipality's main number (sip-edge/routing/emergency-caller-id.ts).
     */
    phoneNetworks: z.array(phoneNetwork).default([]),
  },
  { error: movedKeyMessage },
);

export const regionConfigSchema = z
  .object({
    region: z
      .object({
        name: z.string().trim().min(1, 'must not be empty'),
        timezone: z.literal('Europe/Stockholm'),
        regionalNumbers: z.array(phoneNumber).default([]),
        /** Where a call to the regional number goes until the caller has chosen (and if they never do). */
        defaultMunicipality: z.string(),
        /** After each answered call the operator is in wrap-up this long (0: none); asking for the next call ends it early. */
        wrapUpSeconds: z.number().int('must be a whole number of seconds').min(0).max(600).default(10),
        /** The regional number's menu: digit 1 is the first id, and so on (default: the order of `municipalities`, at most 9). */
        menu: z
          .object({
            order: z.array(z.string()).max(9, 'must be at most 9 (one digit each)').optional(),
            /** How long the menu waits for a digit after asking. */
            timeoutSeconds: z.number().int().min(1).max(30).default(6),
          })
          .strict()
          .default({ timeoutSeconds: 6 }),
        /** How long a direct-dial number rings the extension's phones before the call goes to the queue. */
        directDialRingSeconds: z.number().int().min(5).max(120).default(20),
      })
      .strict(),
    municipalities: z.array(municipality).min(1, 'needs at least one municipality'),
  })
  .strict()
  .superRefine((config, ctx) => checkRegionWideUniqueness(config, ctx));

export type RegionConfig = z.output<typeof regionConfigSchema>;
export type MunicipalityConfig = RegionConfig['municipalities'][number];
export type Weekday = (typeof weekdays)[number];

type Issue = { message: string; path: (string | number)[] };

/** Numbers, ranges and extensions must each belong to one place in the whole region. */
function checkRegionWideUniqueness(config: RegionConfig, ctx: z.RefinementCtx): void {
  const issues: Issue[] = [];
  const ids = new Map<string, number>();
  config.municipalities.forEach((m, i) => {
    const earlier = ids.get(m.id);
    if (earlier !== undefined)
      issues.push({
        message: `id ${m.id} is already used by municipalities[${earlier}]`,
        path: ['municipalities', i, 'id'],
      });
    else ids.set(m.id, i);
  });
  config.region.menu.order?.forEach((id, j) => {
    if (!ids.has(id))
      issues.push({
        message: `"${id}" is not the id of a configured municipality`,
        path: ['region', 'menu', 'order', j],
      });
  });
  config.municipalities.forEach((m, i) => {
    for (const { message, path } of overflowQueueProblems(m.queuePolicy, m.id, (id) => ids.has(id))) {
      issues.push({ message, path: ['municipalities', i, 'queuePolicy', ...path] });
    }
  });
  if (!ids.has(config.region.defaultMunicipality)) {
    issues.push({
      message: `"${config.region.defaultMunicipality}" is not the id of a configured municipality`,
      path: ['region', 'defaultMunicipality'],
    });
  }

  // Every single number and every range, with where it was written, checked pairwise for overlap.
  type Span = { start: number; end: number; width: number; label: string; path: (string | number)[] };
  const numberSpans: Span[] = [];
  config.region.regionalNumbers.forEach((n, j) =>
    numberSpans.push({
      start: e164Digits(n),
      end: e164Digits(n),
      width: n.length,
      label: `regional number ${n}`,
      path: ['region', 'regionalNumbers', j],
    }),
  );
  const extensionSpans: Span[] = [];
  config.municipalities.forEach((m, i) => {
    m.mainNumbers.forEach((n, j) =>
      numberSpans.push({
        start: e164Digits(n),
        end: e164Digits(n),
        width: n.length,
        label: `main number ${n} of ${m.name}`,
        path: ['municipalities', i, 'mainNumbers', j],
      }),
    );
    m.directDialRanges.forEach((r, j) =>
      numberSpans.push({
        start: e164Digits(r.from),
        end: e164Digits(r.to),
        width: r.from.length,
        label: `direct-dial range ${r.from}–${r.to} of ${m.name}`,
        path: ['municipalities', i, 'directDialRanges', j],
      }),
    );
    m.extensionRanges.forEach((r, j) =>
      extensionSpans.push({
        start: Number(r.from),
        end: Number(r.to),
        width: r.from.length,
        label: `extensions ${r.from}–${r.to} of ${m.name}`,
        path: ['municipalities', i, 'extensionRanges', j],
      }),
    );
  });

  // A phone network belongs to one municipality: it decides whose main number a 112 call shows.
  const networks: { span: NetworkSpan; label: string }[] = [];
  config.municipalities.forEach((m, i) =>
    m.phoneNetworks.forEach((cidr, j) => {
      const span = networkSpan(cidr);
      const clash = networks.find((other) => spansOverlap(span, other.span));
      if (clash) issues.push({ message: `overlaps ${clash.label}`, path: ['municipalities', i, 'phoneNetworks', j] });
      networks.push({ span, label: `phone network ${cidr} of ${m.name}` });
    }),
  );

  const reportOverlaps = (spans: Span[], sameKind: (a: Span, b: Span) => boolean) => {
    spans.forEach((span, k) => {
      const clash = spans
        .slice(0, k)
        .find((other) => sameKind(span, other) && span.start <= other.end && other.start <= span.end);
      if (clash) issues.push({ message: `overlaps ${clash.label}`, path: span.path });
    });
  };
  // Main numbers may lie inside their own municipality's direct-dial range (an exact number wins), not another's.
  reportOverlaps(
    numberSpans,
    (a, b) => !(sameMunicipality(a.path, b.path) && (a.start === a.end) !== (b.start === b.end)),
  );
  // Extensions of different lengths never collide as dialled strings, so only compare equal lengths.
  reportOverlaps(extensionSpans, (a, b) => a.width === b.width);

  for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
}

function sameMunicipality(a: (string | number)[], b: (string | number)[]): boolean {
  return a[0] === 'municipalities' && b[0] === 'municipalities' && a[1] === b[1];
}
