import type { Channel, Client } from 'ari-client';
import pRetry from 'p-retry';
import { log } from '../../log.js';
import type { ArrivalFields, CallQueue, EnqueueInput, OverflowDecision } from '../../queue/call-queue.js';
import type { QueuePolicies } from '../../queue/policy/queue-policy.js';
import { ariRequest, holdCaller, isGone, releaseHoldBridge } from '../call-media.js';
import { mediaIds } from '../media-ids.js';
import type { CallerMedia } from './caller-media.js';
import { probes } from '../../metrics/probes.js';

/**
 * The longest a caller's set-up may take (CALL_SETUP_TIMEOUT_MS), from the start of its
 * enqueue to waiting in the queue with music (the enqueue, once there is music, gets at least
 * ENQUEUE_AT_LEAST_MS). Past it the set-up has failed: the caller is told so and hung up. Well
 * under what a caller bears in silence, well over a set-up's usual tens of ms.
 */
export const DEFAULT_SET_UP_TIMEOUT_MS = 2_000;

/**
 * The enqueue, last, gets at least this long even when the media steps used up the deadline:
 * the caller hears music by then, so a slow Redis is not silence (but is bounded all the same).
 */
const ENQUEUE_AT_LEAST_MS = 1_000;

/** What a caller whose set-up failed hears before the hang-up (dialplans/prompts/sv.txt). */
export const OVERLOAD_PROMPT = 'overloaded';

/** The prompt is about 3 s; it is never waited for longer than this (Asterisk may be what failed). */
const OVERLOAD_PROMPT_MAX_MS = 8_000;

/** A failed set-up's record is written as soon as Redis answers again, for about two minutes... */
const RECORD_RETRY = { retries: 15, minTimeout: 250, maxTimeout: 10_000 };
/** ...but the hang-up waits for it no longer than this (the prompt plays meanwhile). */
const RECORD_WAIT_MS = 2_000;

/** A set-up step that failed or ran out of time. */
export class SetUpFailed extends Error {
  constructor(
    readonly step: 'media' | 'enqueue',
    cause: unknown,
  ) {
    super(`call set-up failed at ${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** What a set-up needs to know of its call, once routing (and the menu or extension) decided. */
export interface SetUpCall {
  input: EnqueueInput;
  fields: ArrivalFields;
}

/** Resolves with `work`, or rejects once `ms` have passed (a set-up step that is not an ARI request). */
export function within<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * A caller's way into their queue, lean and bounded (docs/decisions.md, "Call set-up under
 * load"): answered and their own holding bridge made at once, the caller into it hearing music
 * (call-media.ts holdCaller: two ARI round trips), then one Redis script that records, admits
 * and enqueues the call (store/lua/enqueue-6.lua; its configuration is cached, arrival-config.ts).
 * Nothing else is awaited before the music. The enqueue comes after the media, so a call in a
 * queue always has its caller in holding with music, and its record's enqueuedAt − arrivedAt is
 * the set-up time.
 *
 * Every step runs within the set-up's deadline. A step that fails or runs out of time ends the
 * call as `setup-failed`: the caller hears "Växeln är överbelastad, försök igen om en stund" and
 * is hung up, and a log line says which step failed — never an answered caller left in silence.
 */
export function createCallSetUp(deps: {
  policies: Pick<QueuePolicies, 'enqueue'>;
  queue: Pick<CallQueue, 'recordEnded'>;
  media: CallerMedia;
  timeoutMs?: number;
}) {
  const { policies, queue, media } = deps;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_SET_UP_TIMEOUT_MS;

  /** A failed set-up, timed for /metrics like a successful one. */
  function failed(error: SetUpFailed, started: number): SetUpFailed {
    probes.callSetUp((Date.now() - started) / 1000, 'failed');
    return error;
  }

  /** Records the failure, now or as soon as Redis answers again (retried in the background). */
  function recordFailure({ input, fields }: SetUpCall): Promise<unknown> {
    const recorded = pRetry(() => queue.recordEnded(input, 'setup-failed', fields), RECORD_RETRY);
    recorded.catch((error: unknown) =>
      log.error({ err: error, callId: input.callId }, 'a failed set-up could not be recorded; reconcile ends the call'),
    );
    return recorded;
  }

  return {
    timeoutMs,

    /**
     * Sets the caller up: in their holding bridge with music, then in their queue with the
     * policy's admission. 'gone' when the caller hung up before their media was set up (nothing
     * recorded, their bridge taken away). Throws SetUpFailed.
     */
    async run(
      client: Client,
      channel: Channel,
      call: SetUpCall,
      started = Date.now(),
    ): Promise<OverflowDecision | 'gone'> {
      const callId = channel.id;
      try {
        await holdCaller(client, callId, { started, timeoutMs });
      } catch (error) {
        if (!isGone(error) && !media.hasLeft(callId)) throw failed(new SetUpFailed('media', error), started);
        await releaseHoldBridge(client, callId).catch(() => undefined);
        return 'gone';
      }
      try {
        const decision = await within(
          'enqueue',
          policies.enqueue(call.input, call.fields),
          Math.max(ENQUEUE_AT_LEAST_MS, started + timeoutMs - Date.now()),
        );
        probes.callSetUp((Date.now() - started) / 1000, 'queued');
        return decision;
      } catch (error) {
        throw failed(new SetUpFailed('enqueue', error), started);
      }
    },

    /**
     * After a failed set-up: recorded as setup-failed (ended; its queue left if the enqueue had
     * run), the caller hears the overload prompt and is hung up. Each step is bounded: the
     * caller is hung up even when Asterisk or Redis does not answer.
     */
    async fail(client: Client, channel: Channel, call: SetUpCall, error: unknown): Promise<void> {
      const callId = channel.id;
      const step = error instanceof SetUpFailed ? error.step : 'set-up';
      log.warn(
        { callId, municipalityId: call.input.municipalityId, step, reason: (error as Error)?.message },
        'call set-up failed: the caller hears that the switchboard is overloaded and is hung up',
      );
      // Recorded before the hang-up, whose StasisEnd would otherwise end an enqueued call as abandoned.
      const recorded = within('record the failure', recordFailure(call), RECORD_WAIT_MS).catch(() => undefined);
      await releaseHoldBridge(client, callId).catch(() => undefined);
      await ariRequest('answer', client.channels.answer({ channelId: callId })).catch(() => undefined);
      await ariRequest(
        'overload prompt',
        media.play(client, callId, [OVERLOAD_PROMPT], { playbackId: mediaIds.playback(callId, OVERLOAD_PROMPT) }),
        OVERLOAD_PROMPT_MAX_MS,
      ).catch(() => undefined);
      await recorded;
      await ariRequest('hang up caller', client.channels.hangup({ channelId: callId, reason: 'normal' })).catch(
        () => undefined,
      );
    },
  };
}

export type CallSetUp = ReturnType<typeof createCallSetUp>;
