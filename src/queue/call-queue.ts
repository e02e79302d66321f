import type { CallOutcome, CallRecord, OverflowCause } from '../calls/call-record.js';
import { OVERFLOW_CAUSES } from '../calls/call-record.js';
import { createCallRecords, parseCallRecord } from '../calls/call-records.js';
import type { OverflowTarget } from '../config/region-schema.js';
import { AppError } from '../errors.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { hashReply, runScript } from '../store/scripts.js';
import type { PriorityClassMatch } from './priority.js';

/** What the media side knows of a new call; the queue adds the rest of the record. */
export type EnqueueInput = Pick<
  CallRecord,
  'callId' | 'channelId' | 'municipalityId' | 'calledNumber' | 'caller' | 'reason'
>;

/** A call and its 1-based position in its municipality's queue (0 once it no longer waits). */
export interface QueuedCall {
  record: CallRecord;
  position: number;
}

/** What became of a call at a policy check: it stays, moved to another queue, or ended for a message / call-back offer. */
export interface OverflowDecision {
  callId: string;
  action: 'stay' | OverflowTarget['kind'];
  cause?: OverflowCause;
  /** In the (new) queue; 0 when the call ended. */
  position: number;
}

/** How a call can end at its arrival, never having waited (store/lua/arrival-ended-4.lua). */
export type ArrivalOutcome = Extract<CallOutcome, 'closed' | 'rejected-capacity' | 'setup-failed' | 'voice-message'>;

/** Extra record fields an arrival writes (call-record.ts): only these names reach the scripts. */
export type ArrivalFields = Partial<Pick<CallRecord, 'extension' | 'reasonDetail' | 'mediaNode' | 'arrivedAt'>>;

/**
 * What an arrival adds to a new call (queue/policy/ decides it): the caller's priority class,
 * the queue policy's admission limits, and the arrival's record fields. Without `admission`
 * the call is queued unchecked.
 */
export interface EnqueueOptions {
  priority?: PriorityClassMatch | undefined;
  admission?: {
    maxLength?: { calls: number; overflow: OverflowTarget } | undefined;
    noOperator?: OverflowTarget | undefined;
  };
  fields?: ArrivalFields;
}

export interface WaitingCall {
  record: CallRecord;
  /** 1-based. */
  position: number;
  /** By Redis's clock, at the moment the queue was read. */
  waitingMs: number;
}

/**
 * The municipalities' queues and the life of every call in them:
 * waiting -> connecting -> answered -> ended, and connecting -> waiting when an operator's
 * phone does not answer. Each change is one Lua script (store/lua/), so concurrent operators
 * and app instances never see or make half a change, and each is safe to retry after a lost
 * reply. Conflicts are AppErrors: see store/scripts.ts for codes and statuses.
 */
export interface CallQueueOptions {
  /** The operator's wrap-up after an answered call ends (config region.wrapUpSeconds); none without it. */
  wrapUpSeconds?: number;
  /**
   * MEDIA_NODE_DEAD_SECONDS: a waiting call whose media node has been silent this long is not
   * listed (it is about to end as media-node-lost, media/nodes/); 0 lists every call.
   */
  mediaNodeDeadSeconds?: number;
}

/**
 * The media names the queue's scripts write (media/media-ids.ts `mediaIds`, given by who builds
 * the queue: media/ is above the queue): an offer's operator leg is the call id, this suffix and
 * the attempt, which only the script knows.
 */
export interface CallQueueNames {
  operatorLegSuffix: string;
}

export function createCallQueue(
  redis: RedisClient,
  k: Keys,
  names: CallQueueNames,
  { wrapUpSeconds = 0, mediaNodeDeadSeconds = 0 }: CallQueueOptions = {},
) {
  const { prefix } = k;

  async function claim(operatorId: string, callId: string, mediaNode: string): Promise<CallRecord | null> {
    const reply = await runScript(
      redis.queueClaim([k.operator(operatorId)], [prefix, operatorId, callId, mediaNode, names.operatorLegSuffix]),
      { operatorId, callId },
    );
    return reply === null ? null : parseCallRecord(hashReply(reply));
  }

  return {
    ...createCallRecords(redis, k),

    /**
     * Puts a call at the end of its municipality's queue (store/lua/enqueue-6.lua), with its
     * priority class, arrival fields and admission decided in the same step. Repeating it for
     * the same call changes nothing and answers the same.
     */
    async enqueue(
      input: EnqueueInput,
      { priority, admission, fields = {} }: EnqueueOptions = {},
    ): Promise<QueuedCall & { decision: OverflowDecision }> {
      const { callId, municipalityId } = input;
      const reply = await runScript(
        redis.queueEnqueue(
          [
            k.call(callId),
            k.queue(municipalityId),
            k.queueSeq(),
            k.activeCalls(),
            k.callsByTime(),
            k.callsByMunicipality(municipalityId),
          ],
          [
            prefix,
            callId,
            input.channelId,
            municipalityId,
            input.calledNumber,
            input.caller,
            input.reason,
            priority?.priorityClass ?? '',
            String(priority?.boostSeconds ?? 0),
            // Empty: no such limit.
            admission?.maxLength ? String(admission.maxLength.calls) : '',
            ...targetArgs(admission?.maxLength?.overflow),
            ...targetArgs(admission?.noOperator),
            ...arrivalFieldArgs(fields),
          ],
        ),
        { callId },
      );
      const [decision] = parseDecisions(Array.isArray(reply) ? reply.slice(2) : reply);
      if (!decision) throw new Error(`enqueue of ${callId} returned no admission decision`);
      return { ...queuedCall(reply), decision };
    },

    /**
     * Gives the operator the next call of the municipalities they serve — the longest-waiting,
     * weighted by the operator's weight for its municipality and the call's priority boost
     * (store/lua/claim-1.lua) — or null when none waits. The operator must be logged in and
     * available or in wrap-up (which this ends); 409 operator_paused when paused. `mediaNode`:
     * where the operator's phone is rung from, recorded on a call that has none yet (a call-back).
     */
    claimNext: (operatorId: string, { mediaNode = '' }: { mediaNode?: string } = {}): Promise<CallRecord | null> =>
      claim(operatorId, '', mediaNode),

    /** Gives the operator one particular waiting call (picked from the list). */
    async claimCall(
      operatorId: string,
      callId: string,
      { mediaNode = '' }: { mediaNode?: string } = {},
    ): Promise<CallRecord> {
      // '' would mean "the longest-waiting call" to the script.
      if (callId === '') throw new AppError(404, 'call_not_found', 'no call id given');
      const record = await claim(operatorId, callId, mediaNode);
      if (!record) throw new Error(`claim of call ${callId} returned no call`);
      return record;
    },

    /**
     * The operator answered on the leg of the current offer; they are bridged with the caller.
     * `answeredMsAgo`: the answer is recorded once they are bridged, and dated when the leg answered.
     */
    async markAnswered(
      callId: string,
      operatorChannelId: string,
      { answeredMsAgo = 0 }: { answeredMsAgo?: number } = {},
    ): Promise<CallRecord> {
      const reply = await runScript(
        redis.queueMarkAnswered(
          [k.call(callId)],
          [prefix, callId, operatorChannelId, String(Math.max(0, Math.round(answeredMsAgo)))],
        ),
        {
          callId,
          operatorChannelId,
        },
      );
      return parseCallRecord(hashReply(reply));
    },

    /**
     * The operator leg did not answer: the call goes back to its original place and the operator
     * is available again. Null when that leg is not the call's pending offer (a late event of an
     * earlier offer, or the call was answered or ended meanwhile): nothing changed.
     */
    async requeue(callId: string, operatorChannelId: string): Promise<QueuedCall | null> {
      const reply = await runScript(redis.queueRequeue([k.call(callId)], [prefix, callId, operatorChannelId]), {
        callId,
        operatorChannelId,
      });
      return reply === null ? null : queuedCall(reply);
    },

    /**
     * The call ended, in whatever state it was (see store/lua/finish-2.lua for outcome and times);
     * the operator who talked to the caller goes into wrap-up.
     * With `operatorChannelId` the operator hung up: the call ends only if it was answered on that
     * leg. `mediaNodeLost`: the caller's channel went with their Asterisk, so a call never answered
     * ends as media-node-lost, not abandoned. Null when nothing ended: no such call (never
     * queued), or not answered on that leg.
     */
    /**
     * A call that ends at its arrival, recorded with why (store/lua/arrival-ended-4.lua): closed,
     * rejected-capacity, setup-failed, voice-message. A call its set-up enqueued already ends now with that
     * outcome; an ended one is returned unchanged (safe to retry).
     */
    async recordEnded(input: EnqueueInput, outcome: ArrivalOutcome, fields: ArrivalFields = {}): Promise<CallRecord> {
      const reply = await redis.arrivalEnded(
        [k.call(input.callId), k.callsByTime(), k.callsByMunicipality(input.municipalityId), k.activeCalls()],
        [
          prefix,
          input.callId,
          input.channelId,
          input.municipalityId,
          input.calledNumber,
          input.caller,
          input.reason,
          outcome,
          ...arrivalFieldArgs(fields),
        ],
      );
      return parseCallRecord(hashReply(reply));
    },

    async finish(
      callId: string,
      { operatorChannelId = '', mediaNodeLost = false }: { operatorChannelId?: string; mediaNodeLost?: boolean } = {},
    ): Promise<CallRecord | null> {
      const reply = await redis.queueFinish(
        [k.call(callId), k.activeCalls()],
        [
          prefix,
          callId,
          operatorChannelId,
          String(wrapUpSeconds * 1000),
          mediaNodeLost ? 'media-node-lost' : 'abandoned',
        ],
      );
      return reply === null ? null : parseCallRecord(hashReply(reply));
    },

    /**
     * A waiting call's 1-based place in line, undefined when it is not in that queue: one ZRANK,
     * however long the queue (what a waiting caller is told; listWaiting reads every call).
     */
    async positionOf(municipalityId: string, callId: string): Promise<number | undefined> {
      const rank = await redis.zRank(k.queue(municipalityId), callId);
      return rank === null ? undefined : rank + 1;
    },

    /** One municipality's waiting calls, first in line first (not those of a media node silent past MEDIA_NODE_DEAD_SECONDS). */
    async listWaiting(municipalityId: string): Promise<WaitingCall[]> {
      const reply = await redis.queueListWaiting(
        [k.queue(municipalityId)],
        [prefix, String(mediaNodeDeadSeconds * 1000)],
      );
      if (!Array.isArray(reply) || typeof reply[0] !== 'number')
        throw new Error(`unexpected list-waiting reply ${JSON.stringify(reply)}`);
      const [now, ...hashes] = reply as [number, ...unknown[]];
      return hashes.map((hash, index) => {
        const record = parseCallRecord(hashReply(hash));
        return { record, position: index + 1, waitingMs: now - record.enqueuedAt };
      });
    },

    /** How many calls wait in each of the given municipalities' queues, read at one instant. */
    async waitingCounts(municipalityIds: readonly string[]): Promise<Record<string, number>> {
      if (municipalityIds.length === 0) return {};
      const tx = redis.multi();
      for (const id of municipalityIds) tx.zCard(k.queue(id));
      const counts = await tx.exec();
      return Object.fromEntries(municipalityIds.map((id, index) => [id, Number(counts[index])]));
    },
  };
}

export type CallQueue = ReturnType<typeof createCallQueue>;

/** A policy target as the scripts take it: kind, and the municipality of a `queue` target. */
export const targetArgs = (target: OverflowTarget | undefined) => [
  target?.kind ?? '',
  target?.kind === 'queue' ? target.municipality : '',
];

/** Arrival fields as the scripts take them: name, value pairs. */
export const arrivalFieldArgs = (fields: ArrivalFields) =>
  Object.entries(fields).flatMap(([name, value]) => (value === undefined ? [] : [name, String(value)]));

/** The scripts' decisions: {callId, action, cause, position} rows. */
export function parseDecisions(reply: unknown): OverflowDecision[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected overflow reply ${JSON.stringify(reply)}`);
  return reply.map((row: unknown) => {
    const [callId, action, cause, position] = row as [string, OverflowDecision['action'], string, number];
    return {
      callId,
      action,
      position: Number(position),
      ...((OVERFLOW_CAUSES as readonly string[]).includes(cause) ? { cause: cause as OverflowCause } : {}),
    };
  });
}

function queuedCall(reply: unknown): QueuedCall {
  if (!Array.isArray(reply) || typeof reply[0] !== 'number')
    throw new Error(`unexpected queue reply ${JSON.stringify(reply)}`);
  return { position: reply[0], record: parseCallRecord(hashReply(reply[1])) };
}
