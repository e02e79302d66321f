import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import type { CallRecord } from '../call-record.js';
import { parseCallRecord } from '../call-records.js';
import { invalidFields } from '../../validation/field-problems.js';
import { parsePhoneNumber } from '../../numbers/phone-number.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { hashReply, runScript } from '../../store/scripts.js';
import { CALLBACK_MAX_UNANSWERED_DIALS } from './callback-limits.js';

export interface CallbackBooking {
  /** The call the call-back is booked on (waiting or answered). */
  callId: string;
  /** E.164 number to call; the caller's number when not given. */
  number?: string;
  /** Wished window, ms since epoch; from now and without end when not given. */
  windowFrom?: number;
  windowTo?: number;
  /** The operator booking it (must be the one who answered an answered call); none when the switchboard books it itself. */
  operatorId?: string;
  /** Their name, kept on the call-back as who booked it. */
  operatorName?: string;
}

/** How many scheduled call-backs one release run moves at most. */
const RELEASE_BATCH = 100;

/** What became of a call-back whose citizen was not reached (store/lua/callback-unanswered-2.lua). */
export type CallbackNotReached = { what: 'requeued' | 'ended'; position: number; callback: CallRecord };

/**
 * The media names a booking writes (media/media-ids.ts `mediaIds`, given by who builds the store:
 * media/ is above calls/): the call-back's id and the channel its citizen is dialled on.
 */
export interface CallbackNames {
  callback(callId: string): string;
  callbackDialLeg(callbackId: string): string;
}

/**
 * Call-backs: a booked call-back is a call record of kind callback ("<callId>-cb") at the
 * ORIGINAL place of the call in its municipality's queue, taken by claim-next like any call
 * (store/lua/callback-book-6.lua); media/call-control dials the citizen out once the operator
 * answers. One whose window has not begun waits in {p}:callbacks:scheduled until
 * `releaseDue` (run by a timer) puts it in the queue.
 */
export function createCallbackStore(
  redis: RedisClient,
  k: Keys,
  dialling: Pick<DiallingGuard, 'assertAllowed'>,
  names: CallbackNames,
) {
  return {
    /**
     * Books a call-back on a waiting or answered call. A waiting call leaves the queue and ends
     * (outcome callback-booked); the call-back has its place. Booking twice gives the same call-back.
     * Exported for the arrival side too (an overflowing queue may offer call-backs). The number
     * to call (given, or the caller's own) must be one the call's municipality's dial policy
     * allows call-backs to dial (403 dialling_denied naming body.number); call control asks
     * again when it dials it.
     */
    async book(booking: CallbackBooking): Promise<{ callback: CallRecord; call: CallRecord }> {
      const { callId } = booking;
      const call = await redis.hGetAll(k.call(callId));
      const number = booking.number ?? call.caller ?? '';
      // Without a number given, only a caller's that can be dialled: not "anonymous" or unreadable.
      if (booking.number === undefined && call.caller !== undefined && !parsePhoneNumber(call.caller).ok) {
        throw invalidFields([
          { field: 'body.number', problem: `is needed: the caller's number (${call.caller}) cannot be called back` },
        ]);
      }
      // No such call: the script says so (404).
      if (call.municipalityId !== undefined)
        await dialling.assertAllowed(
          call.municipalityId,
          'callback',
          number,
          { status: 403, field: 'body.number' },
          { callId },
        );
      const municipalityId = call.municipalityId ?? '';
      const callbackId = names.callback(callId);
      const reply = await runScript(
        redis.callbackBook(
          [
            k.call(callId),
            k.call(callbackId),
            k.scheduledCallbacks(),
            k.activeCalls(),
            k.callsByTime(),
            k.callsByMunicipality(municipalityId),
          ],
          [
            k.prefix,
            callId,
            booking.operatorId ?? '',
            number,
            String(booking.windowFrom ?? 0),
            String(booking.windowTo ?? 0),
            booking.operatorName ?? '',
            callbackId,
            names.callbackDialLeg(callbackId),
          ],
        ),
        { callId, operatorId: booking.operatorId },
      );
      const [callback, original] = reply as [unknown, unknown];
      return { callback: parseCallRecord(hashReply(callback)), call: parseCallRecord(hashReply(original)) };
    },

    /**
     * Call-backs whose window has not begun, soonest first; of one municipality or all. The index
     * is region-wide (release reads it by time), so one municipality's are picked from it: there
     * are tens, not thousands. One released meanwhile is left out by its state.
     */
    async listScheduled(municipalityId?: string): Promise<CallRecord[]> {
      const ids = await redis.zRange(k.scheduledCallbacks(), 0, -1);
      const hashes = await Promise.all(ids.map((id) => redis.hGetAll(k.call(id))));
      return hashes
        .filter(
          (hash) =>
            hash.state === 'scheduled' && (municipalityId === undefined || hash.municipalityId === municipalityId),
        )
        .map(parseCallRecord);
    },

    /** The municipality of a call (a call-back's), undefined when there is no such call. */
    async municipalityOf(callId: string): Promise<string | undefined> {
      return (await redis.hGet(k.call(callId), 'municipalityId')) ?? undefined;
    },

    /**
     * Cancels a call-back that is scheduled or waiting in its queue (store/lua/callback-cancel-4.lua):
     * it ends with outcome callback-cancelled and `cancelledBy`. 404 callback_not_found, 403
     * municipality_not_served (a logged-in operator not serving its municipality), 409
     * callback_offered / callback_answered / callback_ended. Cancelling twice gives the same record.
     */
    async cancel(callbackId: string, operatorId: string): Promise<CallRecord> {
      const reply = await runScript(
        redis.callbackCancel(
          [k.call(callbackId), k.scheduledCallbacks(), k.activeCalls(), k.operator(operatorId)],
          [k.prefix, callbackId, operatorId],
        ),
        { callId: callbackId, operatorId },
      );
      return parseCallRecord(hashReply(reply));
    },

    /**
     * The citizen of an answered call-back was not reached (their leg never answered, or the
     * operator hung up first): back to its place in the queue, or ended as callback-no-answer
     * after CALLBACK_MAX_UNANSWERED_DIALS. With `operatorChannelId`, only a call-back answered on
     * that leg. `denied`: its number was not dialled, the dial policy refusing it now: it ends at
     * once as callback-denied. Null when there was nothing to settle (the citizen answered, or it moved on).
     */
    async notReached(
      callbackId: string,
      { operatorChannelId = '', denied = false }: { operatorChannelId?: string; denied?: boolean } = {},
    ): Promise<CallbackNotReached | null> {
      const reply = await redis.callbackUnanswered(
        [k.call(callbackId), k.activeCalls()],
        [k.prefix, callbackId, operatorChannelId, String(CALLBACK_MAX_UNANSWERED_DIALS), ...(denied ? ['denied'] : [])],
      );
      if (reply === null) return null;
      if (!Array.isArray(reply) || (reply[0] !== 'requeued' && reply[0] !== 'ended'))
        throw new Error(`unexpected call-back reply ${JSON.stringify(reply)}`);
      return { what: reply[0], position: Number(reply[1]), callback: parseCallRecord(hashReply(reply[2])) };
    },

    /** Moves call-backs whose window has begun into their queue, at their place; returns their ids. */
    async releaseDue(): Promise<string[]> {
      return (await redis.callbackRelease([k.scheduledCallbacks()], [k.prefix, String(RELEASE_BATCH)])) as string[];
    },
  };
}

export type CallbackStore = ReturnType<typeof createCallbackStore>;
