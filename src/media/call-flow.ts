import type { Channel, Client, StasisStart } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';
import { log } from '../log.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { Arrival } from './arrival/arrival.js';
import { EXTENSION_LEG_ARG, callIdOfExtensionLeg } from './arrival/direct-dial.js';
import { CALLBACK_LEG_ARG, type CallControl, TRANSFER_LEG_ARG } from './call-control/call-control.js';
import { OPERATOR_LEG_ARG, ariRequest, bridgeWithOperator, callIdOfOperatorChannel, isGone, releaseCall, releaseHoldBridge } from './call-media.js';

/** How long a hung-up caller's channel id is remembered, to catch a hang-up that overtakes its own set-up. */
const ENDED_MEMORY_MS = 60_000;

/**
 * What the switchboard does with Asterisk's events: callers arriving and hanging up, operator
 * legs answering or failing. Redis holds the truth about every call; this only moves media to
 * match it, so a restarted process can rebuild everything from Redis and Asterisk (reconcile).
 */
export function createCallFlow(deps: { queue: CallQueue; arrival: Arrival; app: string; control: CallControl }) {
  const { queue, arrival, app, control } = deps;
  const endedChannels = new Set<string>();

  function rememberEnded(channelId: string) {
    endedChannels.add(channelId);
    setTimeout(() => endedChannels.delete(channelId), ENDED_MEMORY_MS).unref();
  }

  /** The arrival path (menu, direct dial, closed, queue, overflow) is media/arrival/'s. */
  async function callerArrived(client: Client, channel: Channel, dialled: string, resumed = false, edgeReason?: string): Promise<void> {
    const queued = await arrival.callerArrived(client, channel, dialled, { resumed, edgeReason });
    // The caller may have hung up while we were setting up; their StasisEnd then found nothing to end.
    if (queued && endedChannels.has(channel.id)) await endCall(client, channel.id, 'caller hung up during set-up');
  }

  async function operatorAnswered(client: Client, operatorChannel: Channel, callId: string): Promise<void> {
    const callLog = log.child({ callId, operatorChannelId: operatorChannel.id });
    let call: CallRecord;
    try {
      call = await queue.markAnswered(callId, operatorChannel.id);
    } catch (error) {
      callLog.info({ reason: (error as Error).message }, 'operator answered a call that is no longer theirs; hanging up their leg');
      await ariRequest('hang up stale operator leg', client.channels.hangup({ channelId: operatorChannel.id })).catch(() => undefined);
      return;
    }
    try {
      // A call-back has no caller on the line yet: call control dials the citizen now.
      if (call.kind === 'callback') return await control.callbackOperatorAnswered(client, call, operatorChannel.id);
      await bridgeWithOperator(client, callId, operatorChannel.id);
      callLog.info({ operatorId: call.operatorId, waitMs: call.waitMs }, 'caller and operator bridged');
    } catch (error) {
      if (!isGone(error)) throw error;
      await endCall(client, callId, 'a leg vanished while bridging');
    }
  }

  /**
   * Ends the call in Redis (abandoned or answered, by its state) and releases its media. When an
   * operator leg hung up, the call ends only if it was answered on that very leg.
   */
  async function endCall(client: Client, callId: string, why: string, operatorChannelId?: string): Promise<void> {
    const call = await queue.finish(callId, { operatorChannelId });
    if (!call) return;
    log.info({ callId, outcome: call.outcome, waitMs: call.waitMs, talkMs: call.talkMs, why }, 'call ended');
    await Promise.all([releaseCall(client, call), control.releaseLegs(client, call)]);
  }

  /** The operator's phone was not answered (or could not be reached): the call goes back to its place. */
  async function operatorLegFailed(callId: string, operatorChannelId: string, cause: string): Promise<void> {
    const call = await queue.requeue(callId, operatorChannelId);
    if (call) log.info({ callId, operatorChannelId, position: call.position, cause }, 'operator did not answer; call back in its place in the queue');
  }

  const guard = (what: string, work: () => Promise<void>) =>
    void work().catch((error: unknown) => log.error({ err: error, what }, 'handling an Asterisk event failed'));

  return {
    /** Registers the handlers on a (new) ARI client. */
    attach(client: Client): void {
      arrival.attach(client);
      client.on('StasisStart', (event: StasisStart, channel: Channel) =>
        guard('StasisStart', async () => {
          const [first, second] = typeof event.args === 'string' ? [event.args] : event.args;
          if (first === OPERATOR_LEG_ARG && second) return operatorAnswered(client, channel, second);
          if ((first === TRANSFER_LEG_ARG || first === CALLBACK_LEG_ARG) && second) return control.legAnswered(client, channel, first, second);
          if (first === EXTENSION_LEG_ARG && second) return arrival.extensionAnswered(client, channel, second);
          return callerArrived(client, channel, first ?? channel.dialplan.exten, false, second);
        }),
      );
      client.on('StasisEnd', (_event, channel: Channel) =>
        guard('StasisEnd', async () => {
          const callId = callIdOfOperatorChannel(channel.id);
          if (callId) return endCall(client, callId, 'operator hung up', channel.id);
          rememberEnded(channel.id);
          await arrival.callerLeft(client, channel.id);
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

    /** Brings Redis and Asterisk into agreement after a start or a lost websocket (events may be missed). */
    async reconcile(client: Client): Promise<void> {
      const channels = await ariRequest('list channels', client.channels.list());
      const live = new Map(channels.map((c) => [c.id, c]));
      const active = await queue.activeCallIds();
      for (const callId of active) {
        const call = await queue.get(callId);
        if (!call) continue;
        // A call-back has no caller channel until the citizen is dialled: call control's own rules.
        if (call.kind === 'callback') {
          await control.reconcileCallback(client, call, live);
          continue;
        }
        const opLeg = call.operatorChannelId ? live.get(call.operatorChannelId) : undefined;
        if (!live.has(callId)) {
          await endCall(client, callId, 'caller gone while we were away');
        } else if (call.state === 'connecting' && !opLeg) {
          await operatorLegFailed(callId, call.operatorChannelId ?? '', 'operator leg gone while we were away');
        } else if (call.state === 'connecting' && opLeg?.state === 'Up') {
          await operatorAnswered(client, opLeg, callId);
        } else if (call.state === 'answered' && call.operatorChannelId && !opLeg) {
          // (Without operatorChannelId the operator has let go: parked or transferred, see media/call-control.)
          await endCall(client, callId, 'operator gone while we were away', call.operatorChannelId);
        } else {
          await control.reconcileCall(client, call, live);
        }
      }
      // A caller whose set-up was cut short (we stopped between StasisStart and enqueue) is in
      // our Stasis app but unknown to Redis: set the call up again from the start.
      const known = new Set(active);
      for (const channel of channels) {
        const inOurApp = channel.dialplan.app_name === 'Stasis' && channel.dialplan.app_data.split(',')[0] === app;
        if (!inOurApp || known.has(channel.id) || callIdOfOperatorChannel(channel.id) || control.ownsChannel(channel.id) || callIdOfExtensionLeg(channel.id)) continue;
        await releaseHoldBridge(client, channel.id);
        await callerArrived(client, channel, channel.dialplan.exten, true);
      }
      log.info({ activeCalls: active.length, channels: channels.length }, 'reconciled calls with Asterisk');
    },
  };
}

export type CallFlow = ReturnType<typeof createCallFlow>;

