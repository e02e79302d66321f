import { describe, expect, it } from 'vitest';
import { STANDARD_WAIT_BUCKETS, cumulative, parseCallCounts, waitBuckets } from '../../src/metrics/call-counts.js';

/** The hash store/lua/_shared.lua (count_ended_call) keeps, read as /metrics shows it. */
describe('call counts for /metrics', () => {
  const counts = parseCallCounts({
    'ended|2460|answered': '4',
    'ended|2460|abandoned': '2',
    'ended|2480|rejected-capacity': '1',
    'abandoned-short|2460': '1',
    'wait-count|2460': '4',
    'wait-ms|2460': '95500',
    // Waits rounded up to whole seconds: 3 s, 30 s (exactly the target), 31 s, and past an hour.
    'wait-le|2460|3': '1',
    'wait-le|2460|30': '1',
    'wait-le|2460|31': '1',
    'wait-le|2460|inf': '1',
    'something-else': '9',
  });

  it('reads ended calls by municipality and outcome, short abandons and waits; other fields are left out', () => {
    expect(Object.fromEntries(counts.ended.get('2460')!)).toEqual({ answered: 4, abandoned: 2 });
    expect(Object.fromEntries(counts.ended.get('2480')!)).toEqual({ 'rejected-capacity': 1 });
    expect(counts.shortAbandoned.get('2460')).toBe(1);
    expect(counts.waits.get('2460')).toMatchObject({ count: 4, sumSeconds: 95.5 });
  });

  it('folds the per-second counts into cumulative buckets: a wait counts in every bucket at or above it, past the last in none', () => {
    const bySecond = counts.waits.get('2460')!.bySecond;
    expect(cumulative(bySecond, [1, 3, 5, 30, 31, 3600])).toEqual([0, 1, 1, 2, 3, 3]);
  });

  it('buckets at the usual steps and at every service-level target, once each, in order', () => {
    expect(waitBuckets([30, 25, 25, 40])).toEqual([...STANDARD_WAIT_BUCKETS, 25, 40].sort((a, b) => a - b));
    expect(waitBuckets([30])).toEqual(STANDARD_WAIT_BUCKETS);
  });
});
