import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/**
 * The region's call counts as store/lua/_shared.lua (count_ended_call) keeps them in
 * {p}:metrics:calls: written with each call's end, so they are the same from every instance and
 * survive restarts (docs/decisions.md, "Run it like a service (issue 15): metrics, dashboards
 * and alerts").
 */
export interface CallCounts {
  /** Ended calls by municipality, then outcome. */
  ended: Map<string, Map<string, number>>;
  /** Abandoned within 5 s, by municipality. */
  shortAbandoned: Map<string, number>;
  /** Answered calls' waits by municipality: count, sum (s) and counts by whole seconds (rounded up; Infinity past the last). */
  waits: Map<string, { count: number; sumSeconds: number; bySecond: Map<number, number> }>;
}

/** Reads {p}:metrics:calls in one round trip. */
export async function readCallCounts(redis: RedisClient, k: Keys): Promise<CallCounts> {
  return parseCallCounts(await redis.hGetAll(k.metricsCalls()));
}

/** The hash's fields (see _shared.lua) as counts; a field of another shape is left out. */
export function parseCallCounts(hash: Record<string, string>): CallCounts {
  const counts: CallCounts = { ended: new Map(), shortAbandoned: new Map(), waits: new Map() };
  const waitsOf = (m: string) => {
    let waits = counts.waits.get(m);
    if (!waits) counts.waits.set(m, (waits = { count: 0, sumSeconds: 0, bySecond: new Map() }));
    return waits;
  };
  for (const [field, raw] of Object.entries(hash)) {
    const value = Number(raw);
    const [kind, m = '', detail] = field.split('|');
    if (kind === 'ended' && detail !== undefined) {
      const byOutcome = counts.ended.get(m) ?? new Map<string, number>();
      counts.ended.set(m, byOutcome.set(detail, value));
    } else if (kind === 'abandoned-short') counts.shortAbandoned.set(m, value);
    else if (kind === 'wait-count') waitsOf(m).count = value;
    else if (kind === 'wait-ms') waitsOf(m).sumSeconds = value / 1000;
    else if (kind === 'wait-le' && detail !== undefined)
      waitsOf(m).bySecond.set(detail === 'inf' ? Infinity : Number(detail), value);
  }
  return counts;
}

/**
 * Histogram buckets (upper bounds, s) of the wait until answer: the usual steps of a
 * switchboard's answer times, and every municipality's service-level target, so that the share
 * answered within target is a bucket of its own (`le` = the target).
 */
export const STANDARD_WAIT_BUCKETS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

export function waitBuckets(serviceLevelTargets: readonly number[]): number[] {
  return [...new Set([...STANDARD_WAIT_BUCKETS, ...serviceLevelTargets])].sort((a, b) => a - b);
}

/** Cumulative counts at each bound (wait ≤ bound), from counts by whole seconds. */
export function cumulative(bySecond: ReadonlyMap<number, number>, bounds: readonly number[]): number[] {
  return bounds.map((bound) => {
    let sum = 0;
    for (const [seconds, count] of bySecond) if (seconds <= bound) sum += count;
    return sum;
  });
}
