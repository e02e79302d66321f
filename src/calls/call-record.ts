/** Where a call is in its life; only the queue scripts move a call between states. */
/** scheduled: a booked call-back whose wished window has not begun (calls/callbacks/). */
export const CALL_STATES = ['waiting', 'connecting', 'answered', 'ended', 'scheduled'] as const;
export type CallState = (typeof CALL_STATES)[number];

/**
 * How a call ended: talked to an operator (answered: also when it ended back in the queue or
 * ringing an operator again after that), or the caller hung up before that, or (waiting) it
 * was turned into a booked call-back that keeps its place (calls/callbacks/), or (a call-back,
 * scheduled or waiting) an operator cancelled it, or (a call-back) its citizen never answered it
 * (store/lua/callback-unanswered-2.lua), or (a call-back) the dial policy refused its number when
 * it was to be dialled (dialling/), or, never answered, the caller's media node (Asterisk) was
 * lost with their channel (media/nodes/, store/lua/media-node-sweep-3.lua), or its set-up failed
 * after the answer and the caller was told to call again (setup-failed), or the media node was
 * at capacity and refused it before any answer (rejected-capacity: no caller's number kept), or a
 * direct-dial caller left a voice message after an absent person's hänvisning instead of
 * waiting for the switchboard (voice-message: media/arrival/voice-message.ts).
 */
export const CALL_OUTCOMES = [
  'answered',
  'abandoned',
  'callback-booked',
  'closed',
  'overflowed',
  'callback-cancelled',
  'callback-no-answer',
  'callback-denied',
  'media-node-lost',
  'setup-failed',
  'rejected-capacity',
  'voice-message',
] as const;
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
  // A call to a direct number given to an extension, refused (rejected-capacity) before it rang.
  'direct-number',
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
  /**
   * The FIRST answer by an operator: kept when the call is answered again (after a recall, a
   * retrieve from the park, or going back to the queue), so waitMs = answeredAt − enqueuedAt.
   */
  answeredAt?: number;
  /** The operator who answered last: the call counts for them in the operators' statistics. */
  answeredBy?: string;
  /**
   * Start of the current stretch of talk: the answer of the operator who has the call, present
   * only while one has it (added to talkMs when they let go of it or it ends).
   */
  talkSince?: number;
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
  /** That class's boost: the call is chosen as if it had waited this much longer (store/lua/claim-1.lua). */
  priorityBoostSeconds?: number;
  /** How many times the call was offered to an operator's phone. */
  attempts: number;

  // Arrival (media/arrival/) and queue policy (queue/policy/, store/lua/overflow-*.lua).
  /**
   * When the caller's channel was created in Asterisk (ms, Asterisk's clock): the call reached
   * the media node. enqueuedAt − arrivedAt is the set-up time (docs/decisions.md, "Call set-up").
   */
  arrivedAt?: number;
  /** The extension a direct-dial number belongs to, when the call came for it. */
  extension?: string;
  /** More on `reason` for the operator, e.g. the absence ("leave: Föräldraledig, until …"). */
  reasonDetail?: string;
  /**
   * The Asterisk media node the caller is on (AriSettings.mediaNode): set at arrival, or for a
   * call-back by the first instance to ring an operator for it. Only the app instance of that
   * node reconciles the call: another node's Asterisk cannot see its channels.
   */
  mediaNode?: string;
  /** Which queue policy limit moved or ended the call (outcome overflowed, or moved to another queue). */
  overflow?: OverflowCause;
  /** The municipality whose queue the call overflowed from into this one (its calledNumber still tells which was called). */
  overflowFrom?: string;
  outcome?: CallOutcome;
  /**
   * Enqueue to the first answer (a call-back's enqueuedAt is its call's), or to the end of a
   * call never answered.
   */
  waitMs?: number;
  /**
   * The operators' time with the caller, summed over stretches: each from an operator's answer
   * until they let go of the call (blind transfer, completed transfer, park) or it ends. Hold
   * and consultation count; a transfer's ringing, the talk with its target and the park do not
   * (docs/decisions.md, "Statistics"). While the call lasts: the stretches ended so far.
   */
  talkMs?: number;

  // Call control on an answered call (media/call-control/, store/lua/control-*.lua).
  /** What the operator did with the answered call, while it lasts (absent: plain talk). */
  control?: CallControlState;
  /** Transfers tried; the n-th rings the target on channel "<callId>-xfer<n>". */
  transfers?: number;
  /** Channel id of the latest transfer's target leg. */
  transferLeg?: string;
  transferMode?: TransferMode;
  /** Extension number or E.164 number of the latest transfer's target. */
  transferTarget?: string;
  transferTargetKind?: TransferTargetKind;
  /** The operator who transferred (a blind transfer unanswered comes back to them). */
  transferredBy?: string;
  transferOutcome?: TransferOutcome;
  /** Set when an unanswered blind transfer came back: its target, shown to the operator. */
  recallFrom?: string;
  parkedAt?: number;
  parkedBy?: string;

  // Call-backs (calls/callbacks/): a record of kind callback, id "<callId>-cb", in the queue at the place of the call it came from.
  kind?: 'callback';
  /** On a call-back: the call it was booked on. On that call: the call-back's id. */
  callbackOf?: string;
  callbackId?: string;
  /** The wished window (ms); the call-back is offered from windowFrom on. */
  windowFrom?: number;
  windowTo?: number;
  /** When it was booked, and by which operator (id and name then): none when the switchboard booked it (overflow offer). */
  bookedAt?: number;
  bookedBy?: string;
  bookedByName?: string;
  /** The operator who cancelled the call-back (outcome callback-cancelled). */
  cancelledBy?: string;
  /** When the citizen answered the call-back dialled out to them. */
  dialAnsweredAt?: number;
  /** How many times the call-back was dialled out and its citizen did not answer (it ends as callback-no-answer at the limit). */
  unansweredDials?: number;
}

/**
 * held: the caller hears music, the operator nothing; transferring: a blind transfer's target
 * rings (the operator is free); consulting/consulted: an attended transfer's target rings /
 * talks to the operator while the caller is held; transferred: caller and target talk; parked:
 * in the municipality's park, on music, no operator.
 */
export const CALL_CONTROL_STATES = [
  'held',
  'transferring',
  'consulting',
  'consulted',
  'transferred',
  'parked',
] as const;
export type CallControlState = (typeof CALL_CONTROL_STATES)[number];
export const TRANSFER_MODES = ['blind', 'attended'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];
export const TRANSFER_TARGET_KINDS = ['extension', 'external'] as const;
export type TransferTargetKind = (typeof TRANSFER_TARGET_KINDS)[number];
/** recalled: back to the operator who transferred; requeued: back in the queue at its place. */
export const TRANSFER_OUTCOMES = ['answered', 'recalled', 'requeued', 'cancelled', 'no-answer'] as const;
export type TransferOutcome = (typeof TRANSFER_OUTCOMES)[number];

/** The queue policy limits (config region.yaml `queuePolicy`). */
export const OVERFLOW_CAUSES = ['max-wait', 'max-length', 'no-operator'] as const;
export type OverflowCause = (typeof OVERFLOW_CAUSES)[number];
