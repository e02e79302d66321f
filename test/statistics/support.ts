import { DateTime } from 'luxon';
import type { CallOutcome, CallRecord } from '../../src/calls/call-record.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

export { UMEA, VANNAS };

let n = 0;

/**
 * An ended call as the queue scripts leave it (store/lua/mark-answered-1.lua, finish-2.lua), its
 * operator the one who answered it (answeredBy) or whose phone rang when it was abandoned;
 * `at` is its arrival, ISO 8601 with offset. Any outcome string is accepted: later features
 * add outcomes (closed, overflowed) and the statistics must take them as they come.
 */
export function ended(
  outcome: string,
  {
    at = '2026-11-02T09:00:00+01:00',
    waitS = 0,
    talkS,
    municipalityId = VANNAS,
    operatorId,
  }: { at?: string; waitS?: number; talkS?: number; municipalityId?: string; operatorId?: string } = {},
): CallRecord {
  const enqueuedAt = DateTime.fromISO(at).toMillis();
  const waitMs = Math.round(waitS * 1000);
  const talkMs = talkS === undefined ? undefined : talkS * 1000;
  n += 1;
  return {
    callId: `c${n}`,
    channelId: `c${n}`,
    municipalityId,
    calledNumber: '+4693514100',
    caller: '+46701234567',
    reason: 'main-number',
    state: 'ended',
    enqueuedAt,
    place: n,
    attempts: 1,
    outcome: outcome as CallOutcome,
    waitMs,
    ...(outcome === 'answered'
      ? { answeredAt: enqueuedAt + waitMs, talkMs, endedAt: enqueuedAt + waitMs + (talkMs ?? 0) }
      : { endedAt: enqueuedAt + waitMs }),
    ...(operatorId ? { operatorId } : {}),
    ...(operatorId && outcome === 'answered' ? { answeredBy: operatorId } : {}),
  };
}
