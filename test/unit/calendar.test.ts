import { describe, expect, it } from 'vitest';
import { CLOSABLE_EVES, type CalendarEntry, calendarOf, dayKind } from '../../src/hours/swedish-calendar.js';

/**
 * Every public holiday and closed eve of 2025–2030, written out by hand from the almanac:
 * Easter Sundays 20 Apr 2025, 5 Apr 2026, 28 Mar 2027, 16 Apr 2028, 1 Apr 2029, 21 Apr 2030;
 * långfredagen two days before, annandag påsk the day after, Kristi himmelsfärdsdag 39 days and
 * pingstdagen 49 days after; midsommardagen the Saturday of 20–26 June (its eve the Friday
 * before); alla helgons dag the Saturday of 31 October–6 November.
 */
const EXPECTED: Record<number, [string, string][]> = {
  2025: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['04-18', 'långfredagen'],
    ['04-20', 'påskdagen'],
    ['04-21', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-29', 'Kristi himmelsfärdsdag'],
    ['06-06', 'nationaldagen'],
    ['06-08', 'pingstdagen'],
    ['06-20', 'midsommarafton'],
    ['06-21', 'midsommardagen'],
    ['11-01', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
  2026: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['04-03', 'långfredagen'],
    ['04-05', 'påskdagen'],
    ['04-06', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-14', 'Kristi himmelsfärdsdag'],
    ['05-24', 'pingstdagen'],
    ['06-06', 'nationaldagen'],
    ['06-19', 'midsommarafton'],
    ['06-20', 'midsommardagen'],
    ['10-31', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
  2027: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['03-26', 'långfredagen'],
    ['03-28', 'påskdagen'],
    ['03-29', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-06', 'Kristi himmelsfärdsdag'],
    ['05-16', 'pingstdagen'],
    ['06-06', 'nationaldagen'],
    ['06-25', 'midsommarafton'],
    ['06-26', 'midsommardagen'],
    ['11-06', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
  2028: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['04-14', 'långfredagen'],
    ['04-16', 'påskdagen'],
    ['04-17', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-25', 'Kristi himmelsfärdsdag'],
    ['06-04', 'pingstdagen'],
    ['06-06', 'nationaldagen'],
    ['06-23', 'midsommarafton'],
    ['06-24', 'midsommardagen'],
    ['11-04', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
  2029: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['03-30', 'långfredagen'],
    ['04-01', 'påskdagen'],
    ['04-02', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-10', 'Kristi himmelsfärdsdag'],
    ['05-20', 'pingstdagen'],
    ['06-06', 'nationaldagen'],
    ['06-22', 'midsommarafton'],
    ['06-23', 'midsommardagen'],
    ['11-03', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
  2030: [
    ['01-01', 'nyårsdagen'],
    ['01-06', 'trettondedag jul'],
    ['04-19', 'långfredagen'],
    ['04-21', 'påskdagen'],
    ['04-22', 'annandag påsk'],
    ['05-01', 'första maj'],
    ['05-30', 'Kristi himmelsfärdsdag'],
    ['06-06', 'nationaldagen'],
    ['06-09', 'pingstdagen'],
    ['06-21', 'midsommarafton'],
    ['06-22', 'midsommardagen'],
    ['11-02', 'alla helgons dag'],
    ['12-24', 'julafton'],
    ['12-25', 'juldagen'],
    ['12-26', 'annandag jul'],
    ['12-31', 'nyårsafton'],
  ],
};

const ALL = CLOSABLE_EVES;

describe('the Swedish calendar', () => {
  for (const [year, days] of Object.entries(EXPECTED)) {
    it(`has every public holiday and closable eve of ${year}, and nothing else`, () => {
      const expected: CalendarEntry[] = days.map(([day, name]) => ({
        date: `${year}-${day}`,
        name,
        type: (CLOSABLE_EVES as readonly string[]).includes(name) ? 'eve' : 'public',
      }));
      expect([...calendarOf(Number(year))].sort((a, b) => a.date.localeCompare(b.date))).toEqual(expected);
    });
  }

  it('closes on every holiday and on the eves the municipality closes on, and only then', () => {
    for (const [year, days] of Object.entries(EXPECTED)) {
      for (const [day, name] of days) {
        const date = `${year}-${day}`;
        const isEve = (CLOSABLE_EVES as readonly string[]).includes(name);
        expect(dayKind(date, ALL), date).toEqual({ kind: isEve ? 'eve' : 'holiday', name });
        if (isEve) expect(dayKind(date, []).kind, `${date} kept open`).not.toBe('eve');
      }
    }
    // Days date-holidays lists that are not public holidays (annandag pingst since 2005, tjugondag Knut, Gustav-Adolf, Lucia): ordinary.
    for (const date of ['2026-05-25', '2026-01-13', '2026-11-06', '2026-12-13'])
      expect(dayKind(date, ALL), date).toEqual({ kind: 'ordinary' });
    // Påskafton and pingstafton are not closed themselves; they come before a holiday.
    expect(dayKind('2026-04-04', ALL)).toEqual({ kind: 'pre-holiday', name: 'påskafton', before: 'påskdagen' });
    expect(dayKind('2026-05-23', ALL)).toEqual({ kind: 'pre-holiday', name: 'pingstafton', before: 'pingstdagen' });
  });

  it('names the days before a holiday by the rule: not closed itself, the next day closed', () => {
    const cases: [string, string, string][] = [
      ['2026-01-05', 'trettondagsafton', 'trettondedag jul'],
      ['2026-04-02', 'skärtorsdagen', 'långfredagen'],
      ['2026-04-30', 'valborgsmässoafton', 'första maj'],
      ['2026-05-13', 'dagen före Kristi himmelsfärdsdag', 'Kristi himmelsfärdsdag'],
      ['2026-06-05', 'dagen före nationaldagen', 'nationaldagen'],
      ['2026-06-18', 'dagen före midsommarafton', 'midsommarafton'],
      ['2026-10-30', 'allhelgonaafton', 'alla helgons dag'],
      ['2026-12-23', 'dagen före julafton', 'julafton'],
      ['2026-12-30', 'dagen före nyårsafton', 'nyårsafton'],
      ['2027-03-25', 'skärtorsdagen', 'långfredagen'],
      ['2028-05-24', 'dagen före Kristi himmelsfärdsdag', 'Kristi himmelsfärdsdag'],
      ['2029-11-02', 'allhelgonaafton', 'alla helgons dag'],
    ];
    for (const [date, name, before] of cases)
      expect(dayKind(date, ALL), date).toEqual({ kind: 'pre-holiday', name, before });
  });

  it('makes an eve kept open a day before a holiday, and the day before it ordinary', () => {
    expect(dayKind('2026-12-24', ['midsommarafton', 'nyårsafton'])).toEqual({
      kind: 'pre-holiday',
      name: 'julafton',
      before: 'juldagen',
    });
    expect(dayKind('2026-12-23', ['midsommarafton', 'nyårsafton'])).toEqual({ kind: 'ordinary' });
    expect(dayKind('2026-12-31', [])).toEqual({ kind: 'pre-holiday', name: 'nyårsafton', before: 'nyårsdagen' });
    expect(dayKind('2026-06-19', [])).toEqual({
      kind: 'pre-holiday',
      name: 'midsommarafton',
      before: 'midsommardagen',
    });
  });

  it('does not count a klämdag after a holiday, nor an ordinary weekday', () => {
    expect(dayKind('2026-05-15', ALL)).toEqual({ kind: 'ordinary' });
    expect(dayKind('2026-11-26', ALL)).toEqual({ kind: 'ordinary' });
  });
});
