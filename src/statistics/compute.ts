import { DateTime } from 'luxon';
import type { CallRecord } from '../calls/call-record.js';

/**
 * Statistics from ended call records: pure functions, no Redis, no clock. The definitions
 * (also in docs/decisions.md, "Statistics"):
 *
 * - offered: every ended call (enqueued in the period), whatever its outcome.
 * - answered / abandoned: outcome `answered` / `abandoned`. Any other outcome (`closed`,
 *   `overflowed`, `callback-booked`, `callback-cancelled`, ... added by later features) is
 *   counted in offered and under its own name in `otherOutcomes`, and nowhere else: such a call
 *   never waited for an operator to the end (a cancelled call-back is not an abandoned caller).
 * - mediaNodeLost: of otherOutcomes, the calls never answered whose caller was lost with their
 *   media node (outcome `media-node-lost`: an Asterisk or its app instance died, media/nodes/):
 *   shown on its own because it is the switchboard's failure, not the caller's nor the operators'.
 * - shortAbandoned: abandoned with a wait of at most 5 s. Counted in abandoned too, but left
 *   out of the service level: a caller who hangs up within 5 s (a misdial, a change of mind
 *   during the greeting) says nothing about how fast the switchboard answers.
 * - service level: answered within the municipality's threshold (wait ≤ serviceLevelSeconds)
 *   divided by (answered + abandoned − shortAbandoned); null when that is 0.
 * - wait (mean, 90th percentile): of answered calls (the speed of answer), enqueue to the FIRST
 *   answer: a call answered again after a recall, a retrieve or a requeue keeps its first wait.
 *   The percentile is nearest-rank: the smallest wait such that at least 90 % of the waits are
 *   no longer, i.e. the ⌈0.9·n⌉-th of the n waits in ascending order.
 * - talk: of answered calls, the operators' time with the caller (CallRecord.talkMs: from each
 *   answer until the operator let go of the call — transfer, park — or it ended).
 * Times are reported in seconds (ms / 1000, means rounded to the ms).
 */

export const SHORT_ABANDON_MS = 5_000;
export const DEFAULT_SERVICE_LEVEL_SECONDS = 30;
export const WAIT_PERCENTILE = 0.9;

export interface Figures {
  offered: number;
  answered: number;
  abandoned: number;
  /** Abandoned after waiting at most 5 s; included in `abandoned`. */
  shortAbandoned: number;
  /** Ended calls with an outcome other than answered or abandoned, by outcome. */
  otherOutcomes: Record<string, number>;
  /** Of otherOutcomes: lost with their media node before an operator answered. */
  mediaNodeLost: number;
  answeredWithinServiceLevel: number;
  /** 0–1; null when no call counts towards it. */
  serviceLevel: number | null;
  meanWaitSeconds: number | null;
  p90WaitSeconds: number | null;
  talkSeconds: number;
  meanTalkSeconds: number | null;
}

export interface FigureOptions {
  /** The service-level threshold of a municipality (config/region.yaml `serviceLevelSeconds`). */
  serviceLevelSeconds: (municipalityId: string) => number;
}

/** Nearest-rank percentile (0 < p ≤ 1) of values sorted ascending; null for none. */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  return sortedAscending[Math.ceil(p * sortedAscending.length) - 1]!;
}

const seconds = (ms: number) => ms / 1000;
const meanSeconds = (totalMs: number, count: number) => (count === 0 ? null : seconds(Math.round(totalMs / count)));

/** The figures of a set of ended calls (see the definitions above). */
export function computeFigures(records: readonly CallRecord[], options: FigureOptions): Figures {
  let answered = 0;
  let abandoned = 0;
  let shortAbandoned = 0;
  let answeredWithin = 0;
  let talkMs = 0;
  const otherOutcomes: Record<string, number> = {};
  const waits: number[] = [];
  for (const record of records) {
    const waitMs = record.waitMs ?? 0;
    if (record.outcome === 'answered') {
      answered += 1;
      waits.push(waitMs);
      talkMs += record.talkMs ?? 0;
      if (waitMs <= options.serviceLevelSeconds(record.municipalityId) * 1000) answeredWithin += 1;
    } else if (record.outcome === 'abandoned') {
      abandoned += 1;
      if (waitMs <= SHORT_ABANDON_MS) shortAbandoned += 1;
    } else {
      const outcome = record.outcome ?? 'none';
      otherOutcomes[outcome] = (otherOutcomes[outcome] ?? 0) + 1;
    }
  }
  waits.sort((a, b) => a - b);
  const counted = answered + abandoned - shortAbandoned;
  const p90 = nearestRank(waits, WAIT_PERCENTILE);
  return {
    offered: records.length,
    answered,
    abandoned,
    shortAbandoned,
    otherOutcomes,
    mediaNodeLost: otherOutcomes['media-node-lost'] ?? 0,
    answeredWithinServiceLevel: answeredWithin,
    serviceLevel: counted === 0 ? null : answeredWithin / counted,
    meanWaitSeconds: meanSeconds(
      waits.reduce((sum, w) => sum + w, 0),
      waits.length,
    ),
    p90WaitSeconds: p90 === null ? null : seconds(p90),
    talkSeconds: seconds(talkMs),
    meanTalkSeconds: meanSeconds(talkMs, answered),
  };
}

export type PeriodUnit = 'hour' | 'day';

export interface Period {
  /** ISO 8601 in local time with its offset: two hours of the autumn's repeated 02:00 differ by offset. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

/**
 * The local hours or days (time zone `zone`) that cover [fromMs, toMs): the first starts at or
 * before fromMs. Hours are an hour of real time each, so the spring's DST day has 23 and the
 * autumn's 25; days run from local midnight to local midnight (23, 24 or 25 hours long).
 */
export function periodsCovering(fromMs: number, toMs: number, unit: PeriodUnit, zone: string): Period[] {
  const periods: Period[] = [];
  let start = DateTime.fromMillis(fromMs, { zone }).startOf(unit);
  while (start.toMillis() < toMs) {
    const end = unit === 'hour' ? start.plus({ hours: 1 }) : start.plus({ days: 1 }).startOf('day');
    periods.push({ start: iso(start), end: iso(end), startMs: start.toMillis(), endMs: end.toMillis() });
    start = end;
  }
  return periods;
}

const iso = (t: DateTime) => t.toISO({ suppressMilliseconds: true })!;

/** Each period's figures, calls placed by their arrival (enqueuedAt); empty periods included. */
export function figuresByPeriod(
  records: readonly CallRecord[],
  periods: readonly Period[],
  options: FigureOptions,
): (Omit<Period, 'startMs' | 'endMs'> & Figures)[] {
  const buckets: CallRecord[][] = periods.map(() => []);
  for (const record of records) {
    const index = periodIndex(periods, record.enqueuedAt);
    if (index !== -1) buckets[index]!.push(record);
  }
  return periods.map(({ start, end }, i) => ({ start, end, ...computeFigures(buckets[i]!, options) }));
}

/** Binary search: the period holding `at`, or -1. Periods are contiguous and in order. */
function periodIndex(periods: readonly Period[], at: number): number {
  let low = 0;
  let high = periods.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const period = periods[mid]!;
    if (at < period.startMs) high = mid - 1;
    else if (at >= period.endMs) low = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * Figures per operator: the calls that ended with that operator, i.e. answered last by them
 * (answeredBy) or, never answered, abandoned while their phone rang (a call that went back to
 * the queue and was taken by another counts for the other; one answered, parked and retrieved
 * by another, for the one who answered last, with its whole wait and talk). Calls no operator
 * was offered are not in any operator's figures. Sorted by operator id. With `periods`, each
 * operator's figures per period too (figuresByPeriod). Records name operators by token id;
 * `operatorOf` says who that is (the operator account, http/routes/statistics.ts), so that the
 * calls of several tokens of one person count together.
 */
export function figuresByOperator(
  records: readonly CallRecord[],
  options: FigureOptions,
  periods?: readonly Period[],
  operatorOf: (tokenId: string) => string = (tokenId) => tokenId,
): ({ operatorId: string; periods?: ReturnType<typeof figuresByPeriod> } & Figures)[] {
  // operatorId for records written before answeredBy existed.
  return groupBy(records, (r) => {
    const tokenId = r.answeredBy ?? r.operatorId;
    return tokenId === undefined ? undefined : operatorOf(tokenId);
  }).map(([operatorId, calls]) => ({
    operatorId,
    ...computeFigures(calls, options),
    ...(periods ? { periods: figuresByPeriod(calls, periods, options) } : {}),
  }));
}

function groupBy(
  records: readonly CallRecord[],
  key: (record: CallRecord) => string | undefined,
): [string, CallRecord[]][] {
  const groups = new Map<string, CallRecord[]>();
  for (const record of records) {
    const value = key(record);
    if (value === undefined) continue;
    const group = groups.get(value);
    if (group) group.push(record);
    else groups.set(value, [record]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
