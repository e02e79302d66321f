import type { Channel, Client, StasisStart } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';
import { log } from '../log.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { Arrival } from './arrival/arrival.js';
import { createCallerMedia } from './arrival/caller-media.js';
import type { CallControl } from './call-control/call-control.js';
import { hangUp, moveToHold, moveToTalk } from './call-control/control-media.js';
import { channelExists, isGone } from './call-media.js';
import {
  CALLBACK_LEG_ARG,
  EXTENSION_LEG_ARG,
  OPERATOR_LEG_ARG,
  TRANSFER_LEG_ARG,
  callIdOfExtensionLeg,
  callIdOfOperatorChannel,
} from './media-ids.js';
import { createReconciler } from './reconcile/run.js';

/** How long a hung-up caller's channel id is remembered, to catch a hang-up that overtakes its own set-up. */
const ENDED_MEMORY_MS = 60_000;
/**
 * What the switchboard does with Asterisk's events: callers arriving and hanging up, operator
 * legs answering or failing. Redis holds the truth about every call; this only moves media to
 * match it, so a restarted process can rebuild everything from Redis and Asterisk (media/reconcile/).
 */
export function createCallFlow(deps: {
  queue: CallQueue;
  arrival: Arrival;
  app: string;
  mediaNode: string;
  control: CallControl;
}) {
  const { queue, arrival, app, mediaNode, control } = deps;
  const endedChannels = new Set<string>();
  /** Callers whose arrival this process runs now, since when (Date.now()). */
  const arriving = new Map<string, number>();
  /** Callers the arrival let go of alive, not queued: a direct-dial call talking to its extension. */
  const settled = new Set<string>();
  /** Prompts for the callers reconcile releases (its own dispatch: the arrival's is the arrival's). */
  const media = createCallerMedia();

  function rememberEnded(channelId: string) {
    endedChannels.add(channelId);
    settled.delete(channelId);
    setTimeout(() => endedChannels.delete(channelId), ENDED_MEMORY_MS).unref();
  }

  /** The arrival path (menu, direct dial, closed, queue, overflow) is media/arrival/'s. */
  async function callerArrived(
    client: Client,
    channel: Channel,
    dialled: string,
    resumed = false,
    edgeReason?: string,
    extension?: string,
  ): Promise<void> {
    arriving.set(channel.id, Date.now());
    let queued: boolean;
    try {
      queued = await arrival.callerArrived(client, channel, dialled, { resumed, edgeReason, extension });
    } finally {
      arriving.delete(channel.id);
    }
    // The caller may have hung up while we were setting up; their StasisEnd then found nothing to end.
    if (queued && endedChannels.has(channel.id)) await endCall(client, channel.id, 'caller hung up during set-up');
    if (!queued && !endedChannels.has(channel.id)) settled.add(channel.id);
  }

  /**
   * The operator's phone answered the offer on `operatorChannel`. Caller and operator are
   * bridged first, and only then is the call recorded as answered: a call whose bridging failed
   * is never answered (the caller gone, it ends as abandoned; the operator's leg gone, it goes
   * back to its place).
   */
  async function operatorAnswered(client: Client, operatorChannel: Channel, callId: string): Promise<void> {
    const answeredAt = Date.now();
    const callLog = log.child({ callId, operatorChannelId: operatorChannel.id });
    const offered = await queue.get(callId);
    if (
      offered?.operatorChannelId !== operatorChannel.id ||
      (offered.state !== 'connecting' && offered.state !== 'answered')
    ) {
      callLog.info(
        { state: offered?.state },
        'operator answered a call that is no longer theirs; hanging up their leg',
      );
      await hangUp(client, operatorChannel.id, 'hang up stale operator leg').catch(() => undefined);
      return;
    }
    // A call-back has no caller on the line yet: call control dials the citizen once its operator is there.
    if (offered.kind === 'callback') {
      const call = await recordAnswer(client, callId, operatorChannel.id, answeredAt);
      return call ? control.callbackOperatorAnswered(client, call, operatorChannel.id) : undefined;
    }
    try {
      await arrival.silence(client, callId);
      await moveToTalk(client, callId, [operatorChannel.id]);
    } catch (error) {
      if (!isGone(error)) throw error;
      return bridgingFailed(client, callId, operatorChannel.id);
    }
    const call = await recordAnswer(client, callId, operatorChannel.id, answeredAt);
    if (!call) {
      // Back in the queue meanwhile (the ring time ran out): the caller goes back to music.
      if ((await queue.get(callId))?.state === 'waiting') await moveToHold(client, callId).catch(() => undefined);
      return;
    }
    callLog.info({ operatorId: call.operatorId, waitMs: call.waitMs }, 'caller and operator bridged');
    // Their phone hung up while being bridged: its StasisEnd found the call not yet answered, so ended nothing.
    if (endedChannels.has(operatorChannel.id))
      await endCall(client, callId, 'operator hung up while being bridged', operatorChannel.id);
  }

  /**
   * Records the operator's answer, dated when their leg answered (`answeredAt`, this process's
   * clock: only the time since is sent); null, their leg hung up, when the offer was withdrawn
   * meanwhile (the caller hung up, the ring time ran out).
   */
  async function recordAnswer(
    client: Client,
    callId: string,
    operatorChannelId: string,
    answeredAt: number,
  ): Promise<CallRecord | null> {
    try {
      return await queue.markAnswered(callId, operatorChannelId, { answeredMsAgo: Date.now() - answeredAt });
    } catch (error) {
      log.info(
        { callId, operatorChannelId, reason: (error as Error).message },
        'the offer ended before the operator’s answer was recorded; hanging up their leg',
      );
      await hangUp(client, operatorChannelId, 'hang up stale operator leg').catch(() => undefined);
      return null;
    }
  }

  /** A leg vanished while caller and operator were being bridged: which one decides what becomes of the call. */
  async function bridgingFailed(client: Client, callId: string, operatorChannelId: string): Promise<void> {
    if (!(await channelExists(client, callId))) {
      await endCall(client, callId, 'the caller hung up while being bridged with the operator');
      return;
    }
    await hangUp(client, operatorChannelId, 'hang up the operator leg');
    await operatorLegFailed(callId, operatorChannelId, 'the operator leg vanished while being bridged');
    // Back on music in holding, as any caller waiting.
    await moveToHold(client, callId);
  }

  /** Ends the call in Redis and releases its media (media/call-control's endCall: a call-back not reached goes back to its place). */
  async function endCall(
    client: Client,
    callId: string,
    why: string,
    operatorChannelId?: string,
    options?: { mediaNodeLost?: boolean },
  ): Promise<void> {
    await control.endCall(client, callId, why, operatorChannelId, options);
  }

  /** The operator's phone was not answered (or could not be reached): the call goes back to its place. */
  async function operatorLegFailed(callId: string, operatorChannelId: string, cause: string): Promise<void> {
    const call = await queue.requeue(callId, operatorChannelId);
    if (call)
      log.info(
        { callId, operatorChannelId, position: call.position, cause },
        'operator did not answer; call back in its place in the queue',
      );
  }

  const guard = (what: string, work: () => Promise<void>) =>
    void work().catch((error: unknown) => log.error({ err: error, what }, 'handling an Asterisk event failed'));

  return {
    /** Registers the handlers on a (new) ARI client. */
    attach(client: Client): void {
      arrival.attach(client);
      media.attach(client);
      client.on('StasisStart', (event: StasisStart, channel: Channel) =>
        guard('StasisStart', async () => {
          // A caller's: the number dialled, the SIP edge's X-Reason, and its X-Extension (a feature code; dialplans/extensions.conf).
          const [first, second, third] = typeof event.args === 'string' ? [event.args] : event.args;
          if (first === OPERATOR_LEG_ARG && second) return operatorAnswered(client, channel, second);
          if ((first === TRANSFER_LEG_ARG || first === CALLBACK_LEG_ARG) && second)
            return control.legAnswered(client, channel, first, second);
          if (first === EXTENSION_LEG_ARG && second) return arrival.extensionAnswered(client, channel, second);
          return callerArrived(client, channel, first ?? channel.dialplan.exten, false, second, third);
        }),
      );
      client.on('StasisEnd', (_event, channel: Channel) =>
        guard('StasisEnd', async () => {
          rememberEnded(channel.id);
          const callId = callIdOfOperatorChannel(channel.id);
          if (callId) return endCall(client, callId, 'operator hung up', channel.id);
          media.callerLeft(channel.id);
          if (!(await arrival.callerLeft(client, channel.id))) return;
          await endCall(client, channel.id, 'caller hung up');
        }),
      );
      // An operator leg that never answered never enters Stasis, so its end shows only here.
      client.on('ChannelDestroyed', (event, channel: Channel) =>
        guard('ChannelDestroyed', async () => {
          if (control.ownsChannel(channel.id)) return control.channelDestroyed(client, channel);
          if (callIdOfExtensionLeg(channel.id)) return arrival.extensionLegDestroyed(channel.id, event.cause);
          const callId = callIdOfOperatorChannel(channel.id);
          if (callId) await operatorLegFailed(callId, channel.id, event.cause_txt);
        }),
      );
    },

    /**
     * Brings Asterisk (and Redis, where a leg's end was missed) into agreement with Redis's
     * calls: after a start or a lost websocket, and `periodic`ally while connected
     * (media/reconcile/: the plan, and its runner).
     */
    reconcile: createReconciler({
      queue,
      control,
      arrival,
      app,
      mediaNode,
      arriving,
      settled,
      media,
      flow: { operatorAnswered, operatorLegFailed, callerArrived },
    }),
  };
}

export type CallFlow = ReturnType<typeof createCallFlow>;
