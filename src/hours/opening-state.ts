import { DateTime } from 'luxon';
import type { AdminStores } from '../admin/index.js';
import type { OpeningExceptionDoc, OpeningHoursDoc } from '../admin/opening-hours.js';
import { weekdays } from '../config/region-schema.js';
import { AppError } from '../errors.js';
import { CLOSABLE_EVES, type ClosableEve, ZONE, dayKind } from './swedish-calendar.js';

/**
 * Whether a municipality's switchboard is open at an instant, and why. One rule decides, the
 * first that applies in this order (docs/decisions.md, "Opening state"):
 *   1. the manual override, until its `until`;
 *   2. a one-off exception covering the instant (the latest-starting one if several; closed
 *      before open at the same start): closed, or open only within its hours;
 *   3. a public holiday, or an eve the municipality closes on: closed all day;
 *   4. a day before a holiday, when the municipality closes early then: the weekly hours cut at
 *      `preHolidayClosesAt`;
 *   5. the weekly hours.
 * Times of day are local (Europe/Stockholm) on the day of the instant.
 */

export const OPENING_RULES = [
  'override',
  'exception',
  'holiday',
  'eve',
  'pre-holiday',
  'weekly',
  'outside-hours',
] as const;
export type OpeningRule = (typeof OPENING_RULES)[number];

/** What the state is computed from: the municipality's stored opening hours and exceptions. */
export interface OpeningSettings {
  weekly: OpeningHoursDoc['weekly'];
  override?: OpeningHoursDoc['override'] | undefined;
  closedEves: readonly ClosableEve[];
  preHolidayClosesAt?: string | undefined;
  exceptions: readonly (OpeningExceptionDoc & { id: string })[];
}

export interface OpeningState {
  open: boolean;
  /**
   * Which rule decided. `weekly`: within the weekly hours; `outside-hours`: the weekly (or a
   * day before a holiday's shortened) hours apply and the instant is outside them;
   * `pre-holiday`: a day before a holiday with early closing, open before the early close or
   * closed between it and the weekly close.
   */
  rule: OpeningRule;
  /** One sentence saying why, for logs and the routing simulator. */
  why: string;
  /** The public holiday or eve (rule holiday, eve), or the day before a holiday (pre-holiday: "skärtorsdagen"). */
  holiday?: string;
  /** For pre-holiday: the holiday the day comes before. */
  before?: string;
  override?: { state: 'open' | 'closed'; until: string };
  exception?: { id: string; kind: OpeningExceptionDoc['kind']; reason: string; start: string; end: string };
  /** The open intervals of the instant's day under the deciding rule (local "HH:MM-HH:MM"). */
  hours?: string[];
  /** The next instant the state turns from open to closed or back (ISO 8601, local offset); absent when that is more than 14 days away. */
  changesAt?: string;
}

/** How far ahead the next change is looked for: past a fortnight (a summer closure) the caller is told nothing. */
const HORIZON_DAYS = 14;

type Interval = [number, number];

/**
 * A local time of day on `day` as an instant. In the spring's skipped hour the clock jumps from
 * 02:00 to 03:00; a time inside it takes effect at 03:00, when the clock first passes it. In
 * the autumn's repeated hour it is the first occurrence (luxon keeps the day's offset).
 */
function instantOn(day: DateTime, hhmm: string): number {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const at = day.set({ hour, minute });
  return (at.hour !== hour ? at.startOf('hour') : at).toMillis();
}

const within = (intervals: Interval[], t: number) => intervals.some(([open, close]) => open <= t && t < close);

/** The day's intervals ending no later than `closesAt` (times compare as text: "HH:MM"). */
function cutAt(hours: readonly string[], closesAt: string): string[] {
  return hours.flatMap((text) => {
    const [open, close] = text.split('-') as [string, string];
    if (open >= closesAt) return [];
    return [`${open}-${close < closesAt ? close : closesAt}`];
  });
}

const show = (hours: readonly string[]) => (hours.length ? hours.join(', ') : 'closed all day');

/** The exception that decides at `t`, if any covers it. */
function decidingException(exceptions: OpeningSettings['exceptions'], t: number) {
  let best: OpeningSettings['exceptions'][number] | undefined;
  for (const e of exceptions) {
    const start = Date.parse(e.start);
    if (!(start <= t && t < Date.parse(e.end))) continue;
    const bestStart = best ? Date.parse(best.start) : -Infinity;
    if (start > bestStart || (start === bestStart && e.kind === 'closed')) best = e;
  }
  return best;
}

/** What a local day is, worked out once however many instants of it are looked at (luxon is not cheap). */
function localDay(s: OpeningSettings, day: DateTime) {
  const intervals = new Map<string, Interval[]>();
  return {
    start: day.toMillis(),
    end: day.plus({ days: 1 }).toMillis(),
    weekday: weekdays[day.weekday - 1]!,
    kind: dayKind(day.toISODate()!, s.closedEves),
    /** `hours` ("HH:MM-HH:MM") on this day as instants. */
    intervals(hours: readonly string[]): Interval[] {
      const key = hours.join();
      let found = intervals.get(key);
      if (!found) {
        found = hours
          .map((text) => text.split('-') as [string, string])
          .map(([open, close]) => [instantOn(day, open), instantOn(day, close)]);
        intervals.set(key, found);
      }
      return found;
    },
  };
}

type LocalDay = ReturnType<typeof localDay>;

/** The state at `t`, an instant of `day`, without the next change. */
function stateAt(s: OpeningSettings, t: number, day: LocalDay): OpeningState {
  if (s.override && t < Date.parse(s.override.until)) {
    const { state, until } = s.override;
    return {
      open: state === 'open',
      rule: 'override',
      why: `manually set ${state} until ${until}`,
      override: { state, until },
    };
  }
  const exception = decidingException(s.exceptions, t);
  if (exception) {
    const { id, kind, reason, start, end } = exception;
    const hours = exception.hours ?? [];
    const open = kind !== 'closed' && within(day.intervals(hours), t);
    const why =
      kind === 'closed'
        ? `closed for ${reason} (${start} to ${end})`
        : `${open ? 'open' : 'closed'}: ${reason} has ${kind} hours ${show(hours)} (${start} to ${end})`;
    return {
      open,
      rule: 'exception',
      why,
      exception: { id, kind, reason, start, end },
      ...(kind === 'closed' ? {} : { hours }),
    };
  }
  const { kind, weekday } = day;
  if (kind.kind === 'holiday')
    return { open: false, rule: 'holiday', why: `${kind.name} is a public holiday`, holiday: kind.name };
  if (kind.kind === 'eve') return { open: false, rule: 'eve', why: `closed on ${kind.name}`, holiday: kind.name };
  const weekly = s.weekly[weekday];
  if (kind.kind === 'pre-holiday' && s.preHolidayClosesAt && weekly.length) {
    const hours = cutAt(weekly, s.preHolidayClosesAt);
    const shortened = { holiday: kind.name, before: kind.before, hours };
    const which =
      kind.name === `dagen före ${kind.before}` ? kind.name : `${kind.name}, the day before ${kind.before},`;
    if (within(day.intervals(hours), t))
      return {
        open: true,
        rule: 'pre-holiday',
        why: `open: ${which} has the shortened hours ${show(hours)}`,
        ...shortened,
      };
    if (within(day.intervals(weekly), t))
      return {
        open: false,
        rule: 'pre-holiday',
        why: `closed early: ${which} closes at ${s.preHolidayClosesAt}`,
        ...shortened,
      };
    return {
      open: false,
      rule: 'outside-hours',
      why: `closed: outside the hours of ${kind.name} (${show(hours)})`,
      ...shortened,
    };
  }
  return within(day.intervals(weekly), t)
    ? { open: true, rule: 'weekly', why: `open: ${weekday}’s hours are ${show(weekly)}`, hours: weekly }
    : {
        open: false,
        rule: 'outside-hours',
        why: `closed: outside ${weekday}’s hours (${show(weekly)})`,
        hours: weekly,
      };
}

/**
 * Whether the switchboard of a municipality with these settings is open at `at`, why, and
 * until when. The state can only change at a midnight (a new day may be a holiday), at a time
 * of day some rule names, or at an override's or exception's bound; these are checked day by
 * day, in order, so the first change found is exact and usually a few checks away.
 */
export function openingState(settings: OpeningSettings, at: Date): OpeningState {
  const t = at.getTime();
  let day = DateTime.fromMillis(t, { zone: ZONE }).startOf('day');
  let local = localDay(settings, day);
  const state = stateAt(settings, t, local);

  const bounds = [
    ...(settings.override ? [settings.override.until] : []),
    ...settings.exceptions.flatMap((e) => [e.start, e.end]),
  ].map(Date.parse);

  for (let i = 0; i <= HORIZON_DAYS; i++) {
    if (i > 0) {
      day = day.plus({ days: 1 });
      local = localDay(settings, day);
    }
    const { start, end } = local;
    // Only the times a rule of this very day names: a holiday or a closed weekend day has none.
    const hours = [
      ...(local.kind.kind === 'holiday' || local.kind.kind === 'eve' ? [] : settings.weekly[local.weekday]),
      ...(local.kind.kind === 'pre-holiday' && settings.preHolidayClosesAt
        ? cutAt(settings.weekly[local.weekday], settings.preHolidayClosesAt)
        : []),
      ...settings.exceptions
        .filter((e) => Date.parse(e.start) < end && start < Date.parse(e.end))
        .flatMap((e) => e.hours ?? []),
    ];
    const inDay = new Set([start, ...local.intervals(hours).flat(), ...bounds.filter((b) => start <= b && b < end)]);
    for (const c of [...inDay].filter((c) => c > t).sort((a, b) => a - b)) {
      if (stateAt(settings, c, local).open !== state.open)
        return { ...state, changesAt: DateTime.fromMillis(c, { zone: ZONE }).toISO({ suppressMilliseconds: true })! };
    }
  }
  return state;
}

/** Every exception of a municipality, page by page (tens a year: reading them all is cheaper than indexing by end). */
async function allExceptions(store: Pick<AdminStores['openingExceptions'], 'list'>, municipalityId: string) {
  const found: OpeningSettings['exceptions'][number][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ municipalityId, limit: 500, cursor });
    for (const item of page.items) found.push({ ...item.doc, id: item.id });
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/**
 * Reads a municipality's opening hours (stored, or config/region.yaml's until stored) and
 * exceptions through the admin stores, and tells the opening state. The call flow asks
 * `openingStateNow(municipalityId)` when a call arrives; the routing simulator asks
 * `openingStateAt(municipalityId, at)`. An unknown municipality is a 404 `municipality_not_found`.
 */
export function createOpeningStateReader(admin: {
  openingHours: Pick<AdminStores['openingHours'], 'get'>;
  openingExceptions: Pick<AdminStores['openingExceptions'], 'list'>;
}) {
  async function openingStateAt(municipalityId: string, at: Date): Promise<OpeningState> {
    const [hours, exceptions] = await Promise.all([
      admin.openingHours.get(municipalityId),
      allExceptions(admin.openingExceptions, municipalityId),
    ]);
    if (!hours)
      throw new AppError(404, 'municipality_not_found', `No member municipality has the id ${municipalityId}`);
    const { weekly, override, closedEves, preHolidayClosesAt } = hours.doc;
    // Hours stored before the calendar fields existed lack them: the defaults apply.
    return openingState(
      { weekly, override, closedEves: closedEves ?? CLOSABLE_EVES, preHolidayClosesAt, exceptions },
      at,
    );
  }
  return {
    openingStateAt,
    openingStateNow: (municipalityId: string) => openingStateAt(municipalityId, new Date()),
  };
}

export type OpeningStateReader = ReturnType<typeof createOpeningStateReader>;
