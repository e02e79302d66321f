import type { CallRecord } from '../calls/call-record.js';
import {
  CALL_CONTROL_STATES,
  CALL_OUTCOMES,
  CALL_STATES,
  OVERFLOW_CAUSES,
  QUEUE_REASONS,
  TRANSFER_OUTCOMES,
} from '../calls/call-record.js';
import { CALLBACK_MAX_UNANSWERED_DIALS } from '../calls/callbacks/callback-limits.js';
import { formatForDisplay } from '../numbers/phone-number.js';
import { z } from '../validation/schema.js';

export const CallViewSchema = z
  .object({
    callId: z.string(),
    municipality: z.object({ id: z.string(), name: z.string() }),
    calledNumber: z.string().openapi({ example: '+4693514100' }),
    calledNumberDisplay: z.string().openapi({ example: '0935-141 00' }),
    caller: z.string().openapi({ example: '+46701234567' }),
    callerDisplay: z.string().openapi({ example: '070-123 45 67' }),
    reason: z.enum(QUEUE_REASONS),
    reasonDetail: z.string().optional().openapi({
      description: 'More on the reason, e.g. the absence of the person whose direct number was called',
      example: 'leave: Föräldraledig',
    }),
    extension: z.string().optional().openapi({ description: 'The extension whose direct number was called' }),
    overflow: z
      .enum(OVERFLOW_CAUSES)
      .optional()
      .openapi({ description: 'The queue policy limit that moved or ended the call' }),
    overflowFrom: z
      .string()
      .optional()
      .openapi({ description: 'The municipality whose queue the call overflowed from' }),
    priorityClass: z.string().optional().openapi({
      description:
        'The priority class the caller fell in (config/region.yaml priorityClasses): answered ahead of others',
    }),
    state: z.enum(CALL_STATES),
    control: z
      .enum(CALL_CONTROL_STATES)
      .optional()
      .openapi({ description: 'On an answered call: held, a transfer under way, parked…' }),
    transferTarget: z.string().optional().openapi({ description: 'Extension or number of the latest transfer' }),
    transferOutcome: z.enum(TRANSFER_OUTCOMES).optional(),
    recallFrom: z
      .string()
      .optional()
      .openapi({ description: 'An unanswered transfer came back from this target: tell the caller' }),
    kind: z
      .literal('callback')
      .optional()
      .openapi({ description: 'A call-back to dial out when taken, booked on the call callbackOf' }),
    callbackOf: z.string().optional(),
    windowFrom: z
      .string()
      .optional()
      .openapi({ description: 'A call-back’s wished window: offered from this time on' }),
    windowTo: z.string().optional().openapi({
      description: 'The end of the wished window; a call-back still waiting after it is late (shown, not enforced)',
    }),
    bookedAt: z.string().optional().openapi({ description: 'When the call-back was booked' }),
    bookedBy: z.object({ id: z.string(), name: z.string() }).optional().openapi({
      description:
        'The operator who booked the call-back (their name then); absent when the caller booked it by pressing 1 in an overflowing queue',
    }),
    cancelledBy: z
      .string()
      .optional()
      .openapi({ description: 'Id of the operator who cancelled the call-back (outcome callback-cancelled)' }),
    unansweredDials: z
      .number()
      .int()
      .optional()
      .openapi({
        description: `A call-back: how many times its citizen was dialled and did not answer (each time it went back to its place in the queue); at ${CALLBACK_MAX_UNANSWERED_DIALS} it ends as callback-no-answer`,
        example: 1,
      }),
    enqueuedAt: z.string(),
    answeredAt: z.string().optional().openapi({
      description:
        'The first answer by an operator (kept when the call is answered again after a recall, a retrieve or going back to the queue)',
    }),
    talkSince: z.string().optional().openapi({
      description:
        'While an operator has the call: when they answered it (the start of the talk they are having; absent while it waits, rings, is transferred or parked, and once ended)',
    }),
    endedAt: z.string().optional(),
    answeredBy: z
      .string()
      .optional()
      .openapi({ description: 'Id of the operator who answered (the last one, when it was answered more than once)' }),
    outcome: z.enum(CALL_OUTCOMES).optional(),
    waitSeconds: z.number().optional(),
    talkSeconds: z.number().optional(),
  })
  .openapi('Call');

export type CallView = z.infer<typeof CallViewSchema>;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A call as the API shows it: numbers both stored (E.164) and as people read them, times in ISO 8601. */
export function callView(call: CallRecord, municipalityName?: string): CallView {
  return {
    callId: call.callId,
    municipality: { id: call.municipalityId, name: municipalityName ?? call.municipalityId },
    calledNumber: call.calledNumber,
    calledNumberDisplay: formatForDisplay(call.calledNumber),
    caller: call.caller,
    callerDisplay: formatForDisplay(call.caller),
    reason: call.reason,
    reasonDetail: call.reasonDetail,
    extension: call.extension,
    overflow: call.overflow,
    overflowFrom: call.overflowFrom,
    priorityClass: call.priorityClass,
    state: call.state,
    control: call.control,
    transferTarget: call.transferTarget,
    transferOutcome: call.transferOutcome,
    recallFrom: call.recallFrom,
    kind: call.kind,
    callbackOf: call.callbackOf,
    // 0 is stored for a window without a given start or end.
    windowFrom: call.windowFrom ? iso(call.windowFrom) : undefined,
    windowTo: call.windowTo ? iso(call.windowTo) : undefined,
    bookedAt: iso(call.bookedAt),
    bookedBy: call.bookedBy ? { id: call.bookedBy, name: call.bookedByName ?? call.bookedBy } : undefined,
    cancelledBy: call.cancelledBy,
    unansweredDials: call.unansweredDials,
    enqueuedAt: iso(call.enqueuedAt)!,
    answeredAt: iso(call.answeredAt),
    talkSince: iso(call.talkSince),
    endedAt: iso(call.endedAt),
    // operatorId: a record written before answeredBy was.
    answeredBy:
      call.answeredBy ?? (call.state === 'answered' || call.outcome === 'answered' ? call.operatorId : undefined),
    outcome: call.outcome,
    waitSeconds: call.waitMs === undefined ? undefined : call.waitMs / 1000,
    talkSeconds: call.talkMs === undefined ? undefined : call.talkMs / 1000,
  };
}
