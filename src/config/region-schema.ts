import { z } from 'zod';
import { e164Digits, parsePhoneNumber } from '../numbers/phone-number.js';

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
const openInterval = z
  .string()
  .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must look like "08:00-16:30"')
  .refine((text) => text.split('-').every((t) => clockTime.test(t)), 'has a time that is not a clock time (00:00-23:59)')
  .refine((text) => {
    const [open, close] = text.split('-') as [string, string];
    return open < close;
  }, 'must open before it closes');

/** A day's open intervals ("08:00-12:00", "13:00-16:30"), none overlapping another (touching is fine). */
export const dayHours = z.array(openInterval).superRefine((intervals, ctx) => {
  intervals.forEach((interval, i) => {
    const [open, close] = interval.split('-') as [string, string];
    const clash = intervals.findIndex((other, j) => j < i && open < other.split('-')[1]! && other.split('-')[0]! < close);
    if (clash !== -1) ctx.addIssue({ code: 'custom', path: [i], message: `overlaps ${intervals[clash]}` });
  });
});

const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
/** Monday to Sunday, each the day's open intervals; a day left out is closed. */
export const weeklyHours = z
  .object(Object.fromEntries(weekdays.map((day) => [day, dayHours.default([])])) as Record<(typeof weekdays)[number], z.ZodDefault<typeof dayHours>>)
  .strict();

const municipality = z
  .object({
    id: z.string().regex(/^\d{4}$/, 'must be the four-digit SCB kommunkod'),
    name: z.string().trim().min(1, 'must not be empty'),
    greeting: z.string().trim().min(1, 'must not be empty'),
    mainNumbers: z.array(phoneNumber).min(1, 'needs at least one main number'),
    directDialRanges: z.array(numberRange).default([]),
    extensionRanges: z.array(extensionRange).min(1, 'needs at least one extension range'),
    openingHours: weeklyHours,
  })
  .strict();

export const regionConfigSchema = z
  .object({
    region: z
      .object({
        name: z.string().trim().min(1, 'must not be empty'),
        timezone: z.literal('Europe/Stockholm'),
        regionalNumbers: z.array(phoneNumber).default([]),
        /** Where a call to the regional number goes until the caller has chosen (and if they never do). */
        defaultMunicipality: z.string(),
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
    if (earlier !== undefined) issues.push({ message: `id ${m.id} is already used by municipalities[${earlier}]`, path: ['municipalities', i, 'id'] });
    else ids.set(m.id, i);
  });
  if (!ids.has(config.region.defaultMunicipality)) {
    issues.push({ message: `"${config.region.defaultMunicipality}" is not the id of a configured municipality`, path: ['region', 'defaultMunicipality'] });
  }

  // Every single number and every range, with where it was written, checked pairwise for overlap.
  type Span = { start: number; end: number; width: number; label: string; path: (string | number)[] };
  const numberSpans: Span[] = [];
  config.region.regionalNumbers.forEach((n, j) =>
    numberSpans.push({ start: e164Digits(n), end: e164Digits(n), width: n.length, label: `regional number ${n}`, path: ['region', 'regionalNumbers', j] }),
  );
  const extensionSpans: Span[] = [];
  config.municipalities.forEach((m, i) => {
    m.mainNumbers.forEach((n, j) =>
      numberSpans.push({ start: e164Digits(n), end: e164Digits(n), width: n.length, label: `main number ${n} of ${m.name}`, path: ['municipalities', i, 'mainNumbers', j] }),
    );
    m.directDialRanges.forEach((r, j) =>
      numberSpans.push({ start: e164Digits(r.from), end: e164Digits(r.to), width: r.from.length, label: `direct-dial range ${r.from}–${r.to} of ${m.name}`, path: ['municipalities', i, 'directDialRanges', j] }),
    );
    m.extensionRanges.forEach((r, j) =>
      extensionSpans.push({ start: Number(r.from), end: Number(r.to), width: r.from.length, label: `extensions ${r.from}–${r.to} of ${m.name}`, path: ['municipalities', i, 'extensionRanges', j] }),
    );
  });

  const reportOverlaps = (spans: Span[], sameKind: (a: Span, b: Span) => boolean) => {
    spans.forEach((span, k) => {
      const clash = spans.slice(0, k).find((other) => sameKind(span, other) && span.start <= other.end && other.start <= span.end);
      if (clash) issues.push({ message: `overlaps ${clash.label}`, path: span.path });
    });
  };
  // Main numbers may lie inside their own municipality's direct-dial range (an exact number wins), not another's.
  reportOverlaps(numberSpans, (a, b) => !(sameMunicipality(a.path, b.path) && (a.start === a.end) !== (b.start === b.end)));
  // Extensions of different lengths never collide as dialled strings, so only compare equal lengths.
  reportOverlaps(extensionSpans, (a, b) => a.width === b.width);

  for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
}

function sameMunicipality(a: (string | number)[], b: (string | number)[]): boolean {
  return a[0] === 'municipalities' && b[0] === 'municipalities' && a[1] === b[1];
}
