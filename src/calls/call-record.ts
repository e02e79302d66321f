/** Where a call is in its life; only the queue scripts move a call between states. */
export const CALL_STATES = ['waiting', 'connecting', 'answered', 'ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

/** How a call ended: talked to an operator, or the caller hung up before that. */
export const CALL_OUTCOMES = ['answered', 'abandoned', 'closed', 'overflowed'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/**
 * Why a call was put in a municipality's queue. extension-*: a direct-dial number whose
 * extension did not take the call (media/arrival/direct-dial.ts), `reasonDetail` says more.
 */
export const QUEUE_REASONS = [
  'main-number',
  'regional-number',
  'unassigned-direct-number',
  'extension-busy',
  'extension-no-answer',
  'extension-not-registered',
  'extension-absent',
] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

/** One call's record, kept in Redis from arrival to long after it ended. Times are ms since epoch (Redis clock). */
export interface CallRecord {
  callId: string;
  /** The caller's Asterisk channel id. */
  channelId: string;
  municipalityId: string;
  /** The number the citizen dialled, E.164. */
  calledNumber: string;
  /** The caller's number, E.164 when it could be parsed, else as received ("anonymous" when hidden). */
  caller: string;
  reason: QueueReason;
  state: CallState;
  enqueuedAt: number;
  /**
   * Place in line, from {p}:queue-seq: the call's score in its queue. Kept for good, so a call
   * whose operator did not answer goes back to exactly where it was. Not its position (see the queue).
   */
  place: number;
  answeredAt?: number;
  endedAt?: number;
  /**
   * The operator whose phone rings (connecting), who answered, or whose phone rang when the
   * caller hung up. Cleared when the call goes back to its queue.
   */
  operatorId?: string;
  /**
   * Asterisk channel id of the operator leg of the latest offer, "<callId>-op<attempt>", set when
   * the call is offered and kept afterwards, so that events of an older leg are recognised as stale.
   */
  operatorChannelId?: string;
  /** The priority class the caller fell in when queued (queue/priority.ts); absent for most calls. */
  priorityClass?: string;
  /** That class's boost: the call is chosen as if it had waited this much longer (store/lua/claim.lua). */
  priorityBoostSeconds?: number;
  /** How many times the call was offered to an operator's phone. */
  attempts: number;
  // Arrival (media/arrival/) and queue policy (queue/policy/, store/lua/overflow-*.lua).
  /** The extension a direct-dial number belongs to, when the call came for it. */
  extension?: string;
  /** More on `reason` for the operator, e.g. the absence ("leave: Föräldraledig, until …"). */
  reasonDetail?: string;
  /** Which queue policy limit moved or ended the call (outcome overflowed, or moved to another queue). */
  overflow?: OverflowCause;
  /** The municipality whose queue the call overflowed from into this one (its calledNumber still tells which was called). */
  overflowFrom?: string;
  outcome?: CallOutcome;
  /** Until answered, or until the caller hung up. */
  waitMs?: number;
  talkMs?: number;
}

/** The queue policy limits (config region.yaml `queuePolicy`). */
export const OVERFLOW_CAUSES = ['max-wait', 'max-length', 'no-operator'] as const;
export type OverflowCause = (typeof OVERFLOW_CAUSES)[number];
