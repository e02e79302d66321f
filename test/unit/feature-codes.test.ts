import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ABSENCE_REASONS, absenceInputSchema } from '../../src/directory/entries/entry-schema.js';
import {
  REASON_BY_DIGIT,
  absenceFor,
  isFeatureCodeDial,
  parseFeatureCode,
} from '../../src/self-service/feature-codes.js';

const at = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Stockholm' }).toMillis();

describe('feature codes', () => {
  it.each([
    ['*21*1400#', { action: 'set', reason: 'other', until: { hour: 14, minute: 0 } }],
    ['*21*0730', { action: 'set', reason: 'other', until: { hour: 7, minute: 30 } }],
    ['*22*1#', { action: 'set', reason: 'meeting' }],
    ['*22*4', { action: 'set', reason: 'sick' }],
    ['*22*1*1400#', { action: 'set', reason: 'meeting', until: { hour: 14, minute: 0 } }],
    ['*22*2*2359#', { action: 'set', reason: 'lunch', until: { hour: 23, minute: 59 } }],
    ['#21#', { action: 'clear' }],
    ['#21', { action: 'clear' }],
    // As phones put it in the Request-URI.
    ['*21*1400%23', { action: 'set', reason: 'other', until: { hour: 14, minute: 0 } }],
    ['%2321%23', { action: 'clear' }],
  ])('reads %s', (dialled, code) => {
    expect(parseFeatureCode(dialled)).toEqual({ ok: true, code });
  });

  it.each([
    ['*21*2400#', 'hour 24 is not 00–23'],
    ['*21*1260#', 'minute 60 is not 00–59'],
    ['*21*140#', 'must be four digits, HHMM'],
    ['*22*7#', 'reason must be a digit 1–6'],
    ['*22*0#', 'reason must be a digit 1–6'],
    ['*22*1*9900#', 'hour 99 is not 00–23'],
    ['*22*1*1400*1#', 'is not a feature code'],
    ['*23*1#', 'is not a feature code'],
    ['*22#', 'is not a feature code'],
    ['#22#', 'is not a feature code'],
    ['*20', 'is not a feature code'],
    ['', 'is not a feature code'],
    ['*21*1400#*21*1400#*21*1400#', 'is too long for a feature code'],
  ])('refuses %s: %s', (dialled, problem) => {
    expect(parseFeatureCode(dialled)).toEqual({ ok: false, problem });
  });

  it('gives every reason of the directory a digit, and only those', () => {
    expect(Object.values(REASON_BY_DIGIT).sort()).toEqual([...ABSENCE_REASONS].sort());
  });

  it('tells codes from numbers', () => {
    expect(['*20', '*21*1400#', '#21#', '%2321%23'].map(isFeatureCodeDial)).toEqual([true, true, true, true]);
    expect(['0935141000', '+4693514100', '112', '2460123'].map(isFeatureCodeDial)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('the hänvisning a code sets', () => {
  it('is until the time today while it is still ahead', () => {
    const absence = absenceFor(
      { action: 'set', reason: 'meeting', until: { hour: 14, minute: 0 } },
      at('2026-12-07T09:15'),
    );
    expect(absence).toEqual({ reason: 'meeting', until: '2026-12-07T14:00:00+01:00' });
    expect(absenceInputSchema.safeParse(absence).success).toBe(true);
  });

  it('is until the time tomorrow once it has passed today (and at the very minute)', () => {
    const code = { action: 'set', reason: 'other', until: { hour: 8, minute: 0 } } as const;
    expect(absenceFor(code, at('2026-12-07T16:30'))).toEqual({ reason: 'other', until: '2026-12-08T08:00:00+01:00' });
    expect(absenceFor(code, at('2026-12-07T08:00'))).toEqual({ reason: 'other', until: '2026-12-08T08:00:00+01:00' });
  });

  it('takes the offset of the day it falls on (summer time begins overnight)', () => {
    const code = { action: 'set', reason: 'travel', until: { hour: 9, minute: 30 } } as const;
    expect(absenceFor(code, at('2027-03-27T22:00'))).toEqual({ reason: 'travel', until: '2027-03-28T09:30:00+02:00' });
  });

  it('has no until without a time, and clearing is null', () => {
    expect(absenceFor({ action: 'set', reason: 'sick' }, at('2026-12-07T09:15'))).toEqual({ reason: 'sick' });
    expect(absenceFor({ action: 'clear' }, at('2026-12-07T09:15'))).toBeNull();
  });
});
