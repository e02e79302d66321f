import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/**
 * The Swedish calendar as the switchboard needs it: which local dates (Europe/Stockholm) are
 * public holidays ("röda dagar"), which are the three eves municipalities close on, and which
 * are days before a holiday, when a municipality may close early. The dates come from
 * date-holidays (country SE), Easter-based ones included; nothing here computes a date itself.
 */

export const ZONE = 'Europe/Stockholm';

/** The eves municipalities treat as holidays; date-holidays lists them as type "bank" under these names. */
export const CLOSABLE_EVES = ['midsommarafton', 'julafton', 'nyårsafton'] as const;
export type ClosableEve = (typeof CLOSABLE_EVES)[number];

export interface CalendarEntry {
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** As date-holidays names it in Swedish ("juldagen", "Kristi himmelsfärdsdag"). */
  name: string;
  type: 'public' | 'eve';
}

/** What kind of day a local date is for a municipality that closes on `closedEves`. */
export type DayKind =
  | { kind: 'holiday'; name: string }
  | { kind: 'eve'; name: ClosableEve }
  /** The next day is a holiday or an eve the municipality closes on; `name` is the day's own ("skärtorsdagen") or "dagen före <holiday>". */
  | { kind: 'pre-holiday'; name: string; before: string }
  | { kind: 'ordinary' };

interface YearCalendar {
  entries: CalendarEntry[];
  byDate: Map<string, CalendarEntry>;
  /** Days date-holidays names but that are neither holidays nor the three eves (trettondagsafton, valborgsmässoafton, ...). */
  otherNames: Map<string, string>;
}

const holidays = new Holidays('SE', { languages: ['sv'] });
const years = new Map<number, YearCalendar>();

function yearCalendar(year: number): YearCalendar {
  let calendar = years.get(year);
  if (!calendar) {
    const entries: CalendarEntry[] = [];
    const otherNames = new Map<string, string>();
    for (const h of holidays.getHolidays(year, 'sv')) {
      const date = h.date.slice(0, 10);
      if (h.type === 'public') entries.push({ date, name: h.name, type: 'public' });
      else if (h.type === 'bank' && (CLOSABLE_EVES as readonly string[]).includes(h.name))
        entries.push({ date, name: h.name, type: 'eve' });
      else if (!otherNames.has(date)) otherNames.set(date, h.name);
    }
    calendar = { entries, byDate: new Map(entries.map((e) => [e.date, e])), otherNames };
    years.set(year, calendar);
  }
  return calendar;
}

/** The public holidays and the three eves of a year, in date order. */
export function calendarOf(year: number): CalendarEntry[] {
  return yearCalendar(year).entries;
}

/** The year of a YYYY-MM-DD date (luxon writes years past 9999 as +YYYYYY). */
const yearOf = (date: string) => Number(date.slice(0, -6));

function entryOn(date: string): CalendarEntry | undefined {
  return yearCalendar(yearOf(date)).byDate.get(date);
}

/** Closed all day: a public holiday, or an eve the municipality closes on. */
function closedDay(entry: CalendarEntry | undefined, closedEves: readonly ClosableEve[]): boolean {
  return entry !== undefined && (entry.type === 'public' || closedEves.includes(entry.name as ClosableEve));
}

/**
 * The kind of a local date (YYYY-MM-DD). A day before a holiday is any day that is not itself
 * closed and whose next day is a public holiday or an eve the municipality closes on: so
 * trettondagsafton, skärtorsdagen, valborgsmässoafton, the Wednesday before Kristi
 * himmelsfärd, 5 June, allhelgonaafton, and the day before each closed eve (23 and 30 December,
 * the Thursday before midsommarafton); an eve kept open is itself a day before a holiday.
 * Klämdagar after a holiday (the Friday after Kristi himmelsfärd) are not: a municipality
 * that closes then says so with an exception.
 */
export function dayKind(date: string, closedEves: readonly ClosableEve[]): DayKind {
  const today = entryOn(date);
  if (today?.type === 'public') return { kind: 'holiday', name: today.name };
  if (today && closedDay(today, closedEves)) return { kind: 'eve', name: today.name as ClosableEve };
  const next = DateTime.fromISO(date, { zone: ZONE }).plus({ days: 1 }).toISODate()!;
  const tomorrow = entryOn(next);
  if (!tomorrow || !closedDay(tomorrow, closedEves)) return { kind: 'ordinary' };
  const name = today?.name ?? yearCalendar(yearOf(date)).otherNames.get(date) ?? `dagen före ${tomorrow.name}`;
  return { kind: 'pre-holiday', name, before: tomorrow.name };
}
