import { describe, expect, it } from 'vitest';
import { type OpeningSettings, openingState } from '../../src/hours/opening-state.js';
import { CLOSABLE_EVES } from '../../src/hours/swedish-calendar.js';

const office = ['08:00-16:30'];
const weekdaysOnly: OpeningSettings['weekly'] = {
  monday: office,
  tuesday: office,
  wednesday: office,
  thursday: office,
  friday: ['08:00-16:00'],
  saturday: [],
  sunday: [],
};
const everyDay = (hours: string[]): OpeningSettings['weekly'] => ({
  monday: hours,
  tuesday: hours,
  wednesday: hours,
  thursday: hours,
  friday: hours,
  saturday: hours,
  sunday: hours,
});

function settings(more: Partial<OpeningSettings> = {}): OpeningSettings {
  return { weekly: weekdaysOnly, closedEves: CLOSABLE_EVES, exceptions: [], ...more };
}

const at = (iso: string) => new Date(iso);

function exception(id: string, kind: 'closed' | 'open' | 'reduced', start: string, end: string, hours?: string[]) {
  return { id, municipalityId: '2460', kind, start, end, reason: `reason ${id}`, ...(hours ? { hours } : {}) };
}

describe('opening state: weekly hours', () => {
  it('is open inside the day’s intervals and closed outside them, saying when that changes', () => {
    expect(openingState(settings(), at('2026-11-23T10:00:00+01:00'))).toMatchObject({
      open: true,
      rule: 'weekly',
      hours: office,
      changesAt: '2026-11-23T16:30:00+01:00',
    });
    expect(openingState(settings(), at('2026-11-23T16:30:00+01:00'))).toMatchObject({
      open: false,
      rule: 'outside-hours',
      changesAt: '2026-11-24T08:00:00+01:00',
    });
    expect(openingState(settings(), at('2026-11-23T07:59:59+01:00'))).toMatchObject({
      open: false,
      rule: 'outside-hours',
      changesAt: '2026-11-23T08:00:00+01:00',
    });
    // Friday evening: closed over the weekend until Monday morning.
    expect(openingState(settings(), at('2026-11-27T16:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'outside-hours',
      hours: ['08:00-16:00'],
      changesAt: '2026-11-30T08:00:00+01:00',
    });
    expect(openingState(settings(), at('2026-11-28T12:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'outside-hours',
      hours: [],
      changesAt: '2026-11-30T08:00:00+01:00',
    });
  });

  it('opens again after a lunch break', () => {
    const lunch = settings({ weekly: { ...weekdaysOnly, monday: ['08:00-12:00', '13:00-16:30'] } });
    expect(openingState(lunch, at('2026-11-23T12:30:00+01:00'))).toMatchObject({
      open: false,
      rule: 'outside-hours',
      changesAt: '2026-11-23T13:00:00+01:00',
    });
  });
});

describe('opening state: holidays and eves', () => {
  it('is closed all day on a public holiday, naming it, until the next working morning', () => {
    expect(openingState(settings(), at('2026-12-25T10:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'holiday',
      holiday: 'juldagen',
      changesAt: '2026-12-28T08:00:00+01:00',
    });
    expect(openingState(settings(), at('2026-04-03T10:00:00+02:00'))).toMatchObject({
      open: false,
      rule: 'holiday',
      holiday: 'långfredagen',
    });
    expect(openingState(settings(), at('2026-04-06T10:00:00+02:00'))).toMatchObject({
      open: false,
      rule: 'holiday',
      holiday: 'annandag påsk',
      changesAt: '2026-04-07T08:00:00+02:00',
    });
    expect(openingState(settings(), at('2026-05-14T10:00:00+02:00'))).toMatchObject({
      open: false,
      rule: 'holiday',
      holiday: 'Kristi himmelsfärdsdag',
    });
    // A holiday closes even a municipality open every day.
    expect(
      openingState(settings({ weekly: everyDay(['00:00-23:59']) }), at('2026-06-06T12:00:00+02:00')),
    ).toMatchObject({ open: false, rule: 'holiday', holiday: 'nationaldagen' });
  });

  it('is closed on the eves the municipality closes on, and keeps the weekly hours on the others', () => {
    expect(openingState(settings(), at('2026-06-19T10:00:00+02:00'))).toMatchObject({
      open: false,
      rule: 'eve',
      holiday: 'midsommarafton',
    });
    expect(openingState(settings(), at('2026-12-31T10:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'eve',
      holiday: 'nyårsafton',
      changesAt: '2027-01-04T08:00:00+01:00',
    });
    expect(openingState(settings({ closedEves: ['julafton'] }), at('2026-12-31T10:00:00+01:00'))).toMatchObject({
      open: true,
      rule: 'weekly',
    });
  });
});

describe('opening state: days before a holiday', () => {
  const early = settings({ preHolidayClosesAt: '13:00' });

  it('cuts the hours at the early closing time, and says which rule closed', () => {
    expect(openingState(early, at('2026-04-02T10:00:00+02:00'))).toMatchObject({
      open: true,
      rule: 'pre-holiday',
      holiday: 'skärtorsdagen',
      before: 'långfredagen',
      hours: ['08:00-13:00'],
      changesAt: '2026-04-02T13:00:00+02:00',
    });
    const closedEarly = openingState(early, at('2026-04-02T14:00:00+02:00'));
    expect(closedEarly).toMatchObject({
      open: false,
      rule: 'pre-holiday',
      holiday: 'skärtorsdagen',
      changesAt: '2026-04-07T08:00:00+02:00',
    });
    expect(closedEarly.why).toContain('closes at 13:00');
    // After the weekly close it is the ordinary outside-hours.
    expect(openingState(early, at('2026-04-02T17:00:00+02:00'))).toMatchObject({ open: false, rule: 'outside-hours' });
    expect(openingState(early, at('2026-12-23T14:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'pre-holiday',
      holiday: 'dagen före julafton',
      before: 'julafton',
    });
  });

  it('drops an interval starting after the early close and cuts one spanning it', () => {
    const split = settings({
      preHolidayClosesAt: '12:30',
      weekly: { ...weekdaysOnly, wednesday: ['08:00-12:00', '13:00-16:30'], thursday: ['08:00-12:00', '12:15-16:30'] },
    });
    expect(openingState(split, at('2026-05-13T09:00:00+02:00'))).toMatchObject({
      rule: 'pre-holiday',
      hours: ['08:00-12:00'],
    });
    expect(openingState(split, at('2026-04-02T12:20:00+02:00'))).toMatchObject({
      open: true,
      rule: 'pre-holiday',
      hours: ['08:00-12:00', '12:15-12:30'],
    });
  });

  it('keeps the weekly hours when the municipality does not close early', () => {
    expect(openingState(settings(), at('2026-04-02T14:00:00+02:00'))).toMatchObject({ open: true, rule: 'weekly' });
  });
});

describe('opening state: precedence (override > exception > holiday/eve > pre-holiday > weekly)', () => {
  it('lets the override decide until its end, then the rules below it', () => {
    const override = { state: 'open' as const, until: '2026-12-25T12:00:00+01:00' };
    expect(openingState(settings({ override }), at('2026-12-25T10:00:00+01:00'))).toMatchObject({
      open: true,
      rule: 'override',
      override,
      changesAt: '2026-12-25T12:00:00+01:00',
    });
    expect(openingState(settings({ override }), at('2026-12-25T12:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'holiday',
    });
    const closed = { state: 'closed' as const, until: '2026-11-23T11:00:00+01:00' };
    expect(
      openingState(
        settings({
          override: closed,
          exceptions: [
            exception('a', 'open', '2026-11-23T00:00:00+01:00', '2026-11-24T00:00:00+01:00', ['08:00-20:00']),
          ],
        }),
        at('2026-11-23T10:00:00+01:00'),
      ),
    ).toMatchObject({
      open: false,
      rule: 'override',
      changesAt: '2026-11-23T11:00:00+01:00',
    });
  });

  it('lets an exception open a holiday or close an ordinary day, within its own hours', () => {
    const julafton = exception('j', 'open', '2026-12-24T00:00:00+01:00', '2026-12-25T00:00:00+01:00', ['09:00-12:00']);
    expect(openingState(settings({ exceptions: [julafton] }), at('2026-12-24T10:00:00+01:00'))).toMatchObject({
      open: true,
      rule: 'exception',
      exception: { id: 'j', kind: 'open', reason: 'reason j' },
      hours: ['09:00-12:00'],
      changesAt: '2026-12-24T12:00:00+01:00',
    });
    expect(openingState(settings({ exceptions: [julafton] }), at('2026-12-24T13:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'exception',
    });
    const staffDay = exception('p', 'closed', '2026-11-24T12:00:00+01:00', '2026-11-25T00:00:00+01:00');
    expect(openingState(settings({ exceptions: [staffDay] }), at('2026-11-24T10:00:00+01:00'))).toMatchObject({
      open: true,
      rule: 'weekly',
      changesAt: '2026-11-24T12:00:00+01:00',
    });
    expect(openingState(settings({ exceptions: [staffDay] }), at('2026-11-24T12:00:00+01:00'))).toMatchObject({
      open: false,
      rule: 'exception',
      changesAt: '2026-11-25T08:00:00+01:00',
    });
  });

  it('lets an exception override the early closing before a holiday', () => {
    const reduced = exception('r', 'reduced', '2026-04-02T00:00:00+02:00', '2026-04-03T00:00:00+02:00', [
      '10:00-15:00',
    ]);
    expect(
      openingState(settings({ preHolidayClosesAt: '13:00', exceptions: [reduced] }), at('2026-04-02T14:00:00+02:00')),
    ).toMatchObject({ open: true, rule: 'exception' });
  });

  it('decides overlapping exceptions by the latest start, closed first at the same start', () => {
    const summer = exception('summer', 'closed', '2026-07-01T00:00:00+02:00', '2026-08-01T00:00:00+02:00');
    const event = exception('event', 'open', '2026-07-15T00:00:00+02:00', '2026-07-16T00:00:00+02:00', ['10:00-12:00']);
    expect(openingState(settings({ exceptions: [event, summer] }), at('2026-07-15T11:00:00+02:00'))).toMatchObject({
      open: true,
      exception: { id: 'event' },
    });
    expect(openingState(settings({ exceptions: [event, summer] }), at('2026-07-14T11:00:00+02:00'))).toMatchObject({
      open: false,
      exception: { id: 'summer' },
    });
    const sameStartOpen = exception('open', 'open', '2026-11-23T00:00:00+01:00', '2026-11-24T00:00:00+01:00', [
      '08:00-16:00',
    ]);
    const sameStartClosed = exception('closed', 'closed', '2026-11-23T00:00:00+01:00', '2026-11-23T12:00:00+01:00');
    for (const order of [
      [sameStartOpen, sameStartClosed],
      [sameStartClosed, sameStartOpen],
    ]) {
      expect(openingState(settings({ exceptions: order }), at('2026-11-23T10:00:00+01:00'))).toMatchObject({
        open: false,
        exception: { id: 'closed' },
      });
    }
  });

  it('says nothing of a change more than 14 days away', () => {
    const summer = exception('summer', 'closed', '2026-07-01T00:00:00+02:00', '2026-08-01T00:00:00+02:00');
    expect(openingState(settings({ exceptions: [summer] }), at('2026-07-02T10:00:00+02:00')).changesAt).toBeUndefined();
    expect(openingState(settings({ exceptions: [summer] }), at('2026-07-20T10:00:00+02:00')).changesAt).toBe(
      '2026-08-03T08:00:00+02:00',
    );
  });
});

describe('opening state around the DST switches (last Sunday of March and of October)', () => {
  const daily = settings({ weekly: everyDay(['08:00-16:00']) });
  const state = (iso: string) => openingState(daily, at(iso));

  it('opens at 08:00 local time on both sides of the spring switch (29 March 2026)', () => {
    // Saturday, CET (UTC+1): 08:00 is 07:00 UTC.
    expect(state('2026-03-28T06:59:00Z').open).toBe(false);
    expect(state('2026-03-28T07:00:00Z').open).toBe(true);
    expect(state('2026-03-28T14:59:00Z').open).toBe(true);
    expect(state('2026-03-28T15:00:00Z').open).toBe(false);
    // Saturday evening: the next opening is 08:00 CEST, 06:00 UTC.
    expect(state('2026-03-28T20:00:00Z').changesAt).toBe('2026-03-29T08:00:00+02:00');
    // Sunday, CEST (UTC+2) since 01:00 UTC: 08:00 is 06:00 UTC.
    expect(state('2026-03-29T05:59:00Z').open).toBe(false);
    expect(state('2026-03-29T06:00:00Z').open).toBe(true);
    expect(state('2026-03-29T13:59:00Z').open).toBe(true);
    expect(state('2026-03-29T14:00:00Z')).toMatchObject({ open: false, changesAt: '2026-03-30T08:00:00+02:00' });
  });

  it('opens at 08:00 local time on both sides of the autumn switch (25 October 2026)', () => {
    // Saturday, CEST: 08:00 is 06:00 UTC.
    expect(state('2026-10-24T05:59:00Z').open).toBe(false);
    expect(state('2026-10-24T06:00:00Z').open).toBe(true);
    expect(state('2026-10-24T14:00:00Z')).toMatchObject({ open: false, changesAt: '2026-10-25T08:00:00+01:00' });
    // Sunday, CET since 01:00 UTC: 08:00 is 07:00 UTC; the day has 25 hours.
    expect(state('2026-10-25T06:00:00Z').open).toBe(false);
    expect(state('2026-10-25T06:59:00Z').open).toBe(false);
    expect(state('2026-10-25T07:00:00Z').open).toBe(true);
    expect(state('2026-10-25T14:59:00Z').open).toBe(true);
    expect(state('2026-10-25T15:00:00Z').open).toBe(false);
  });

  it('has no 02:30 on the spring-forward day: an interval from 02:30 opens when the clock jumps to 03:00', () => {
    const night = settings({ weekly: { ...weekdaysOnly, sunday: ['02:30-04:00'] } });
    // 00:59 UTC is 01:59 CET; one minute later the clock shows 03:00 CEST.
    expect(openingState(night, at('2026-03-29T00:59:00Z'))).toMatchObject({
      open: false,
      changesAt: '2026-03-29T03:00:00+02:00',
    });
    expect(openingState(night, at('2026-03-29T01:00:00Z'))).toMatchObject({
      open: true,
      changesAt: '2026-03-29T04:00:00+02:00',
    });
    expect(openingState(night, at('2026-03-29T02:00:00Z')).open).toBe(false);
    // An interval wholly inside the skipped hour never opens.
    const never = settings({ weekly: { ...weekdaysOnly, sunday: ['02:10-02:50'] } });
    expect(openingState(never, at('2026-03-29T01:00:00Z')).open).toBe(false);
    expect(openingState(never, at('2026-03-28T12:00:00Z')).changesAt).toBe('2026-03-30T08:00:00+02:00');
  });

  it('opens at the first 02:30 of the autumn’s repeated hour and stays open through it until 04:00', () => {
    const night = settings({ weekly: { ...weekdaysOnly, sunday: ['02:30-04:00'] } });
    // 00:30 UTC is the first 02:30 (CEST); 01:15 UTC is the second 02:15 (CET), still inside.
    expect(openingState(night, at('2026-10-25T00:29:00Z'))).toMatchObject({
      open: false,
      changesAt: '2026-10-25T02:30:00+02:00',
    });
    expect(openingState(night, at('2026-10-25T00:45:00Z'))).toMatchObject({
      open: true,
      changesAt: '2026-10-25T04:00:00+01:00',
    });
    expect(openingState(night, at('2026-10-25T01:15:00Z')).open).toBe(true);
    expect(openingState(night, at('2026-10-25T03:00:00Z')).open).toBe(false);
  });
});
