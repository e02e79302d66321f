import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  computeFigures,
  figuresByOperator,
  figuresByPeriod,
  nearestRank,
  periodsCovering,
} from '../../src/statistics/compute.js';
import { UMEA, VANNAS, ended } from './support.js';

const ZONE = 'Europe/Stockholm';
const options = { serviceLevelSeconds: (id: string) => (id === UMEA ? 20 : 30) };

describe('computeFigures', () => {
  it('counts, service level, wait and talk as computed by hand', () => {
    const calls = [
      ended('answered', { waitS: 10, talkS: 120 }),
      ended('answered', { waitS: 30, talkS: 60 }), // exactly at the threshold: within
      ended('answered', { waitS: 31, talkS: 30 }),
      ended('answered', { waitS: 45, talkS: 90 }),
      ended('abandoned', { waitS: 3 }), // short
      ended('abandoned', { waitS: 5 }), // short: "within 5 s" includes 5.000 s
      ended('abandoned', { waitS: 5.001 }),
      ended('abandoned', { waitS: 70 }),
      ended('closed'),
      // Lost with its media node: the switchboard's failure, neither answered nor abandoned.
      ended('media-node-lost', { waitS: 50 }),
    ];
    expect(computeFigures(calls, options)).toEqual({
      offered: 10,
      answered: 4,
      abandoned: 4,
      shortAbandoned: 2,
      otherOutcomes: { closed: 1, 'media-node-lost': 1 },
      mediaNodeLost: 1,
      answeredWithinServiceLevel: 2,
      // 2 within 30 s of (4 answered + 4 abandoned − 2 short) = 6
      serviceLevel: 2 / 6,
      // answered waits 10, 30, 31, 45: mean 116 / 4; 90th percentile = ⌈0.9·4⌉ = 4th = 45
      meanWaitSeconds: 29,
      p90WaitSeconds: 45,
      talkSeconds: 300,
      meanTalkSeconds: 75,
    });
  });

  it('gives nulls, not zeros or NaN, where nothing counts', () => {
    expect(computeFigures([], options)).toEqual({
      offered: 0,
      answered: 0,
      abandoned: 0,
      shortAbandoned: 0,
      otherOutcomes: {},
      mediaNodeLost: 0,
      answeredWithinServiceLevel: 0,
      serviceLevel: null,
      meanWaitSeconds: null,
      p90WaitSeconds: null,
      talkSeconds: 0,
      meanTalkSeconds: null,
    });
    // Only short abandons: offered and abandoned, but no service level to speak of.
    expect(computeFigures([ended('abandoned', { waitS: 2 })], options)).toMatchObject({
      offered: 1,
      abandoned: 1,
      shortAbandoned: 1,
      serviceLevel: null,
    });
  });

  it('counts a cancelled call-back as a booked one is counted: offered, under its outcome, not abandoned and not in the service level', () => {
    // The citizen's call (callback-booked), then its call-back cancelled an hour later (callback-cancelled).
    const calls = [
      ended('callback-booked', { waitS: 40 }),
      ended('callback-cancelled', { waitS: 3600 }),
      ended('answered', { waitS: 10, talkS: 60 }),
    ];
    expect(computeFigures(calls, options)).toMatchObject({
      offered: 3,
      answered: 1,
      abandoned: 0,
      shortAbandoned: 0,
      otherOutcomes: { 'callback-booked': 1, 'callback-cancelled': 1 },
      serviceLevel: 1,
      meanWaitSeconds: 10,
    });
    // Nobody was offered it, so it counts for no operator.
    expect(figuresByOperator(calls, options).map((o) => o.operatorId)).toEqual([]);
  });

  it('uses each call’s own municipality’s threshold', () => {
    const calls = [
      ended('answered', { waitS: 25, talkS: 1, municipalityId: VANNAS }),
      ended('answered', { waitS: 25, talkS: 1, municipalityId: UMEA }),
    ];
    expect(computeFigures(calls, options)).toMatchObject({
      answered: 2,
      answeredWithinServiceLevel: 1,
      serviceLevel: 0.5,
    });
  });

  it('rounds mean times to the millisecond', () => {
    const calls = [
      ended('answered', { waitS: 1, talkS: 1 }),
      ended('answered', { waitS: 1, talkS: 1 }),
      ended('answered', { waitS: 2, talkS: 2 }),
    ];
    expect(computeFigures(calls, options)).toMatchObject({
      meanWaitSeconds: 1.333,
      meanTalkSeconds: 1.333,
      talkSeconds: 4,
    });
  });
});

describe('nearestRank (the 90th percentile of waits)', () => {
  const seconds = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
  it.each([
    [1, 1], // ⌈0.9⌉ = 1st
    [4, 4], // ⌈3.6⌉ = 4th
    [10, 9], // ⌈9⌉ = 9th
    [11, 10], // ⌈9.9⌉ = 10th
    [20, 18], // ⌈18⌉ = 18th
  ])('of the waits 1..%i s is %i s', (count, expected) => {
    expect(nearestRank(seconds(count), 0.9)).toBe(expected);
  });

  it('is null for no waits, and computeFigures sorts the waits first', () => {
    expect(nearestRank([], 0.9)).toBeNull();
    const waits = [7, 1, 9, 3, 10, 2, 8, 4, 6, 5];
    expect(
      computeFigures(
        waits.map((waitS) => ended('answered', { waitS, talkS: 1 })),
        options,
      ).p90WaitSeconds,
    ).toBe(9);
  });
});

describe('periods in Europe/Stockholm', () => {
  const ms = (iso: string) => DateTime.fromISO(iso).toMillis();
  const HOUR = 3_600_000;

  it('gives the spring DST day 23 hours: 02:00 does not exist', () => {
    const hours = periodsCovering(ms('2026-03-29T00:00:00+01:00'), ms('2026-03-30T00:00:00+02:00'), 'hour', ZONE);
    expect(hours).toHaveLength(23);
    expect(hours.slice(1, 3).map((h) => h.start)).toEqual(['2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00']);
    const [day] = periodsCovering(ms('2026-03-29T00:00:00+01:00'), ms('2026-03-29T12:00:00+02:00'), 'day', ZONE);
    expect(day).toEqual({
      start: '2026-03-29T00:00:00+01:00',
      end: '2026-03-30T00:00:00+02:00',
      startMs: ms('2026-03-29T00:00:00+01:00'),
      endMs: ms('2026-03-29T00:00:00+01:00') + 23 * HOUR,
    });
  });

  it('gives the autumn DST day 25 hours, the repeated 02:00 twice, and counts calls in the right one', () => {
    const from = ms('2026-10-25T00:00:00+02:00');
    const to = ms('2026-10-26T00:00:00+01:00');
    const hours = periodsCovering(from, to, 'hour', ZONE);
    expect(hours).toHaveLength(25);
    expect(hours.slice(2, 4).map((h) => h.start)).toEqual(['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);

    const calls = [
      ended('answered', { at: '2026-10-25T02:30:00+02:00', waitS: 4, talkS: 60 }), // 00:30 UTC
      ended('abandoned', { at: '2026-10-25T02:30:00+01:00', waitS: 40 }), // 01:30 UTC, the second 02:30
      ended('abandoned', { at: '2026-10-25T02:59:59+01:00', waitS: 40 }),
    ];
    const byHour = figuresByPeriod(calls, hours, options);
    expect(byHour.map((h) => h.offered)).toEqual([0, 0, 1, 2, ...Array(21).fill(0)]);
    expect(byHour[2]).toMatchObject({ answered: 1, abandoned: 0, talkSeconds: 60 });
    expect(byHour[3]).toMatchObject({
      start: '2026-10-25T02:00:00+01:00',
      end: '2026-10-25T03:00:00+01:00',
      answered: 0,
      abandoned: 2,
    });

    const [day] = periodsCovering(from, to, 'day', ZONE);
    expect(day!.endMs - day!.startMs).toBe(25 * HOUR);
    expect(figuresByPeriod(calls, [day!], options)[0]).toMatchObject({
      start: '2026-10-25T00:00:00+02:00',
      end: '2026-10-26T00:00:00+01:00',
      offered: 3,
    });
  });

  it('places calls by local day, not UTC day, and includes empty days', () => {
    const days = periodsCovering(ms('2026-10-31T00:00:00+01:00'), ms('2026-11-03T00:00:00+01:00'), 'day', ZONE);
    expect(days.map((d) => d.start)).toEqual([
      '2026-10-31T00:00:00+01:00',
      '2026-11-01T00:00:00+01:00',
      '2026-11-02T00:00:00+01:00',
    ]);
    const calls = [
      ended('answered', { at: '2026-10-31T23:30:00Z', waitS: 1, talkS: 1 }), // 00:30 on 1 November in Sweden
      ended('answered', { at: '2026-10-31T22:59:59Z', waitS: 1, talkS: 1 }), // 23:59:59 on 31 October
    ];
    expect(figuresByPeriod(calls, days, options).map((d) => d.offered)).toEqual([1, 1, 0]);
  });

  it('starts the first period at the local hour or day holding `from`', () => {
    const hours = periodsCovering(ms('2026-11-02T08:15:00+01:00'), ms('2026-11-02T10:00:00+01:00'), 'hour', ZONE);
    expect(hours.map((h) => h.start)).toEqual(['2026-11-02T08:00:00+01:00', '2026-11-02T09:00:00+01:00']);
  });
});

describe('figuresByOperator', () => {
  it('counts for each operator the calls that ended with them; calls no operator was offered count for none', () => {
    const calls = [
      ended('answered', { waitS: 10, talkS: 100, operatorId: 'op-b' }),
      ended('answered', { waitS: 40, talkS: 50, operatorId: 'op-a' }),
      ended('answered', { waitS: 20, talkS: 70, operatorId: 'op-a' }),
      ended('abandoned', { waitS: 25, operatorId: 'op-b' }), // hung up while op-b's phone rang
      ended('abandoned', { waitS: 90 }),
    ];
    const figures = figuresByOperator(calls, options);
    expect(figures.map((f) => f.operatorId)).toEqual(['op-a', 'op-b']);
    expect(figures[0]).toMatchObject({
      offered: 2,
      answered: 2,
      abandoned: 0,
      answeredWithinServiceLevel: 1,
      serviceLevel: 0.5,
      meanWaitSeconds: 30,
      p90WaitSeconds: 40,
      talkSeconds: 120,
      meanTalkSeconds: 60,
    });
    expect(figures[1]).toMatchObject({
      offered: 2,
      answered: 1,
      abandoned: 1,
      shortAbandoned: 0,
      serviceLevel: 0.5,
      meanWaitSeconds: 10,
      talkSeconds: 100,
    });
  });

  it('counts a call answered more than once for the operator who answered it last, with its first wait and all its talk', () => {
    // Answered by op-a after 5 s, 60 s of talk, a blind transfer nobody answered: back in the
    // queue, answered by op-b, 90 s more. The record (mark-answered-1.lua, finish-2.lua) keeps the
    // first wait and sums the talk; answeredBy op-b.
    const recalled = { ...ended('answered', { waitS: 5, talkS: 150 }), answeredBy: 'op-b' };
    // Answered by op-a after 20 s, back in the queue, and the caller hung up there: no operator
    // has it any more (operatorId cleared), it still counts as answered, for op-a.
    const hungUpInQueue = { ...ended('answered', { waitS: 20, talkS: 40 }), answeredBy: 'op-a' };
    const figures = figuresByOperator(
      [recalled, hungUpInQueue, ended('abandoned', { waitS: 12, operatorId: 'op-b' })],
      options,
    );
    expect(figures).toEqual([
      expect.objectContaining({
        operatorId: 'op-a',
        offered: 1,
        answered: 1,
        answeredWithinServiceLevel: 1,
        meanWaitSeconds: 20,
        talkSeconds: 40,
      }),
      // 5 s within 30 s: in the service level, as the citizen met it; 1 of (1 answered + 1 abandoned).
      expect.objectContaining({
        operatorId: 'op-b',
        offered: 2,
        answered: 1,
        abandoned: 1,
        answeredWithinServiceLevel: 1,
        serviceLevel: 0.5,
        meanWaitSeconds: 5,
        talkSeconds: 150,
      }),
    ]);
    expect(figures[0]!.periods).toBeUndefined();
  });

  it('gives each operator’s figures per local hour, every hour of the range listed, from the same computation as a municipality’s', () => {
    const hours = periodsCovering(
      Date.parse('2026-11-02T08:00:00+01:00'),
      Date.parse('2026-11-02T11:00:00+01:00'),
      'hour',
      ZONE,
    );
    const calls = [
      ended('answered', { at: '2026-11-02T08:10:00+01:00', waitS: 10, talkS: 100, operatorId: 'op-a' }),
      ended('answered', { at: '2026-11-02T08:50:00+01:00', waitS: 50, talkS: 20, operatorId: 'op-a' }),
      ended('abandoned', { at: '2026-11-02T10:05:00+01:00', waitS: 8, operatorId: 'op-a' }),
      ended('answered', { at: '2026-11-02T09:15:00+01:00', waitS: 2, talkS: 30, operatorId: 'op-b' }),
    ];
    const [a, b] = figuresByOperator(calls, options, hours);
    expect(
      a!.periods!.map((p) => [
        p.start,
        p.offered,
        p.answered,
        p.abandoned,
        p.talkSeconds,
        p.meanWaitSeconds,
        p.serviceLevel,
      ]),
    ).toEqual([
      // 08: waits 10 and 50 (mean 30; 1 of 2 within 30 s), talk 120
      ['2026-11-02T08:00:00+01:00', 2, 2, 0, 120, 30, 0.5],
      ['2026-11-02T09:00:00+01:00', 0, 0, 0, 0, null, null],
      ['2026-11-02T10:00:00+01:00', 1, 0, 1, 0, null, 0],
    ]);
    expect(b!.periods!.map((p) => p.offered)).toEqual([0, 1, 0]);
    // The periods add up to the operator's total.
    expect(a).toMatchObject({
      offered: 3,
      answered: 2,
      abandoned: 1,
      talkSeconds: 120,
      meanWaitSeconds: 30,
      serviceLevel: 1 / 3,
    });
    expect(a!.periods).toEqual(figuresByPeriod(calls.slice(0, 3), hours, options));
  });
});
