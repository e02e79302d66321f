import type { CallRecord } from '../calls/call-record.js';
import { formatForDisplay } from '../numbers/phone-number.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A call as the API shows it: numbers both stored (E.164) and as people read them, times in ISO 8601. */
export function callView(call: CallRecord, municipalityName?: string) {
  return {
    callId: call.callId,
    municipality: { id: call.municipalityId, name: municipalityName ?? call.municipalityId },
    calledNumber: call.calledNumber,
    calledNumberDisplay: formatForDisplay(call.calledNumber),
    caller: call.caller,
    callerDisplay: formatForDisplay(call.caller),
    reason: call.reason,
    state: call.state,
    enqueuedAt: iso(call.enqueuedAt),
    answeredAt: iso(call.answeredAt),
    endedAt: iso(call.endedAt),
    answeredBy: call.state === 'answered' || call.outcome === 'answered' ? call.operatorId : undefined,
    outcome: call.outcome,
    waitSeconds: call.waitMs === undefined ? undefined : call.waitMs / 1000,
    talkSeconds: call.talkMs === undefined ? undefined : call.talkMs / 1000,
  };
}
