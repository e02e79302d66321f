import type { Channel, Client, StasisStart } from 'ari-client';
import type { CallRecord } from '../calls/call-record.js';
import { log } from '../log.js';
import type { CallQueue } from '../queue/call-queue.js';
import type { Arrival } from './arrival/arrival.js';
import { createCallerMedia } from './arrival/caller-media.js';
import { OVERLOAD_PROMPT } from './arrival/call-set-up.js';
import { closedPrompts } from './arrival/caller-prompts.js';
import { EXTENSION_LEG_ARG, callIdOfExtensionLeg } from './arrival/direct-dial.js';
import { CALLBACK_LEG_ARG, type CallControl, TRANSFER_LEG_ARG } from './call-control/call-control.js';
import { hangUp, moveToHold, moveToTalk } from './call-control/control-media.js';
import { type AsteriskView, OPERATOR_LEG_ARG, type Repair, ariRequest, callIdOfOperatorChannel, channelExists, isGone, readAsterisk, releaseHoldBridge } from './call-media.js';

/** How long a hung-up caller's channel id is remembered, to catch a hang-up that overtakes its own set-up. */
const ENDED_MEMORY_MS = 60_000;
/**
 * A periodic reconcile leaves a caller alone while this process runs their arrival (menu,
 * direct dial, closed message), unless it has run this long: then it is stuck (e.g. waiting for
 * the end of a prompt whose event was lost) and the set-up is run again.
 */
const ARRIVAL_STUCK_MS = 5 * 60_000;
/** The longest an ending prompt may keep a caller reconcile releases. */
const ENDING_PROMPT_MAX_MS = 30_000;

/** What a caller whose call ended hears before the hang-up, as media/arrival/ plays it at the time (nothing for other endings). */
function endingPrompts(call: CallRecord): string[] {
  if (call.outcome === 'closed') {
    // The record keeps neither the rule that closed nor the message heard: the plain closed prompts.
    const { otherwise, then } = closedPrompts(undefined);
    return [...otherwise, ...then];
  }
  if (call.outcome === 'callback-booked') return ['overflow-callback-booked'];
  // A set-up that failed and could not hang up (media/arrival/call-set-up.ts): told again, then released.
  if (call.outcome === 'setup-failed') return [OVERLOAD_PROMPT];
  if (call.outcome === 'overflowed') return [call.overflow === 'no-operator' ? 'overflow-no-operator' : 'overflow-busy'];
  return [];
}

/**
 * What the switchboard does with Asterisk's events: callers arriving and hanging up, operator
 * legs answering or failing. Redis holds the truth about every call; this only moves media to
 * match it, so a restarted process can rebuild everything from Redis and Asterisk (reconcile).
 */
export function createCallFlow(deps: { queue: CallQueue; arrival: Arrival; app: string; mediaNode: string; control: CallControl }) {
  const { queue, arrival, app, mediaNode, control } = deps;
  const endedChannels = new Set<string>();
  /** Callers whose arrival this process runs now, since when (Date.now()). */
  const arriving = new Map<string, number>();
  /** Callers the arrival let go of alive, not queued: a direct-dial call talking to its extension. */
  const settled = new Set<string>();
  /** Prompts for the callers reconcile releases (its own dispatch: the arrival's is the arrival's). */
  const media = createCallerMedia();
  /** The repairs the previous periodic reconcile found (key → the record it was found on, as JSON). */
  let suspected = new Map<string, string>();

  function rememberEnded(channelId: string) {
    endedChannels.add(channelId);
    settled.delete(channelId);
    setTimeout(() => endedChannels.delete(channelId), ENDED_MEMORY_MS).unref();
  }

  /** The arrival path (menu, direct dial, closed, queue, overflow) is media/arrival/'s. */
  async function callerArrived(client: Client, channel: Channel, dialled: string, resumed = false, edgeReason?: string): Promise<void> {
    arriving.set(channel.id, Date.now());
    let queued: boolean;
    try {
      queued = await arrival.callerArrived(client, channel, dialled, { resumed, edgeReason });
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
    if (offered?.operatorChannelId !== operatorChannel.id || (offered.state !== 'connecting' && offered.state !== 'answered')) {
      callLog.info({ state: offered?.state }, 'operator answered a call that is no longer theirs; hanging up their leg');
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
    if (endedChannels.has(operatorChannel.id)) await endCall(client, callId, 'operator hung up while being bridged', operatorChannel.id);
  }

  /**
   * Records the operator's answer, dated when their leg answered (`answeredAt`, this process's
   * clock: only the time since is sent); null, their leg hung up, when the offer was withdrawn
   * meanwhile (the caller hung up, the ring time ran out).
   */
  async function recordAnswer(client: Client, callId: string, operatorChannelId: string, answeredAt: number): Promise<CallRecord | null> {
    try {
      return await queue.markAnswered(callId, operatorChannelId, { answeredMsAgo: Date.now() - answeredAt });
    } catch (error) {
      log.info({ callId, operatorChannelId, reason: (error as Error).message }, 'the offer ended before the operator’s answer was recorded; hanging up their leg');
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
  async function endCall(client: Client, callId: string, why: string, operatorChannelId?: string, options?: { mediaNodeLost?: boolean }): Promise<void> {
    await control.endCall(client, callId, why, operatorChannelId, options);
  }

  /** The operator's phone was not answered (or could not be reached): the call goes back to its place. */
  async function operatorLegFailed(callId: string, operatorChannelId: string, cause: string): Promise<void> {
    const call = await queue.requeue(callId, operatorChannelId);
    if (call) log.info({ callId, operatorChannelId, position: call.position, cause }, 'operator did not answer; call back in its place in the queue');
  }

  /** A caller still on the line whose call has ended in Redis (e.g. the process stopped before the hang-up): their ending prompt, then the hang-up. */
  async function releaseEnded(client: Client, call: CallRecord): Promise<void> {
    const prompts = endingPrompts(call);
    if (prompts.length > 0) {
      await ariRequest('stop music', client.channels.stopMoh({ channelId: call.callId })).catch(() => undefined);
      await ariRequest('play ending prompt', media.play(client, call.callId, prompts), ENDING_PROMPT_MAX_MS).catch(() => undefined);
    }
    await endCall(client, call.callId, `its call had ended (${call.outcome}) with the caller still on the line`);
  }

  /** What reconcile does for a caller's call that is not ended (a call-back's are call control's). */
  function planCall(client: Client, call: CallRecord, view: AsteriskView, periodic: boolean): Repair | undefined {
    const { callId, operatorChannelId } = call;
    const opLeg = operatorChannelId ? view.channels.get(operatorChannelId) : undefined;
    if (!view.channels.has(callId)) {
      // Gone with an Asterisk that has restarted since the call arrived, or hung up while we were away.
      const mediaNodeLost = call.enqueuedAt < view.startedAt;
      return {
        what: 'end',
        why: mediaNodeLost ? 'the caller went with the Asterisk that ran before this one' : 'the caller is gone',
        run: () => endCall(client, callId, mediaNodeLost ? 'caller lost with a restart of Asterisk' : 'caller gone while we were away', undefined, { mediaNodeLost }),
      };
    }
    if (call.state === 'connecting' && !opLeg) {
      return { what: 'requeue', why: 'the operator leg is gone', run: () => operatorLegFailed(callId, operatorChannelId ?? '', 'operator leg gone while we were away') };
    }
    if (call.state === 'connecting' && opLeg?.state === 'Up') {
      return { what: 'answer', why: 'the operator answered unseen', run: () => operatorAnswered(client, opLeg, callId) };
    }
    if (call.state === 'answered' && operatorChannelId && !opLeg) {
      // (Without operatorChannelId the operator has let go: parked or transferred, see media/call-control.)
      return { what: 'end', why: 'the operator leg is gone', run: () => endCall(client, callId, 'operator gone while we were away', operatorChannelId) };
    }
    return control.planCall(client, call, view, { restartMusic: !periodic });
  }

  /** What reconcile does for a caller in our Stasis app whose call is not active. */
  function planCaller(client: Client, channel: Channel, call: CallRecord | null): Repair {
    if (call?.state === 'ended') {
      return {
        what: 'release-ended',
        why: `the call has ended (${call.outcome}) but its caller is still on the line`,
        // Not awaited: an ending prompt takes seconds, and the other repairs need not wait for it.
        run: async () => void releaseEnded(client, call).catch((error: unknown) => log.error({ err: error, callId: call.callId }, 'releasing the caller of an ended call failed')),
      };
    }
    // The set-up was cut short (we stopped between StasisStart and enqueue): run it again from the start.
    return {
      what: 'arrive',
      why: 'a caller in our app unknown to the queues',
      run: async () => {
        await releaseHoldBridge(client, channel.id);
        await callerArrived(client, channel, channel.dialplan.exten, true);
      },
    };
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
          const [first, second] = typeof event.args === 'string' ? [event.args] : event.args;
          if (first === OPERATOR_LEG_ARG && second) return operatorAnswered(client, channel, second);
          if ((first === TRANSFER_LEG_ARG || first === CALLBACK_LEG_ARG) && second) return control.legAnswered(client, channel, first, second);
          if (first === EXTENSION_LEG_ARG && second) return arrival.extensionAnswered(client, channel, second);
          return callerArrived(client, channel, first ?? channel.dialplan.exten, false, second);
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
     * calls: after a start or a lost websocket (events may have been missed), and `periodic`ally
     * while connected (an ARI step may have failed with nobody to retry it). Each call, caller
     * channel and leg named from a call gives at most one repair (see the plans here and in
     * media/call-control). A periodic run makes a repair only when the previous run, one
     * period earlier, found the same one on the same unchanged record: a call in the middle of
     * a change (a script has run, its ARI steps are under way, or its record changed since) is
     * never "repaired" half-way; after a start or reconnect every repair is made at once.
     */
    async reconcile(client: Client, { periodic = false }: { periodic?: boolean } = {}): Promise<void> {
      // Calls before channels: a call active before the channel list was read whose caller is not in it is gone for good.
      const active = await queue.activeCallIds();
      const view = await readAsterisk(client);
      const activeIds = new Set(active);
      const records = new Map<string, CallRecord | null>();
      const recordOf = async (callId: string) => {
        if (!records.has(callId)) records.set(callId, await queue.get(callId));
        return records.get(callId) ?? null;
      };
      await Promise.all(active.map(recordOf));

      const found: (Repair & { key: string; version: string })[] = [];
      const add = (id: string, call: CallRecord | null, repair: Repair | undefined) => {
        if (repair) found.push({ ...repair, key: `${repair.what}:${id}`, version: JSON.stringify(call) });
      };
      for (const callId of active) {
        const call = records.get(callId);
        // Another node's call: its channels are on an Asterisk this instance cannot see.
        if (call?.mediaNode !== undefined && call.mediaNode !== mediaNode) continue;
        if (call) add(callId, call, call.kind === 'callback' ? control.planCallback(client, call, view) : planCall(client, call, view, periodic));
      }
      for (const channel of view.channels.values()) {
        const callOfLeg = control.callIdOfLeg(channel.id);
        if (callOfLeg !== undefined) {
          const call = await recordOf(callOfLeg);
          add(channel.id, call, control.planLeg(client, channel.id, call));
          continue;
        }
        const inOurApp = channel.dialplan.app_name === 'Stasis' && channel.dialplan.app_data.split(',')[0] === app;
        if (!inOurApp || activeIds.has(channel.id) || callIdOfExtensionLeg(channel.id)) continue;
        // After a start or reconnect, as ever: the set-up is run again (events it waited for may be lost).
        if (periodic && (settled.has(channel.id) || Date.now() - (arriving.get(channel.id) ?? 0) < ARRIVAL_STUCK_MS)) continue;
        const call = await recordOf(channel.id);
        add(channel.id, call, planCaller(client, channel, call));
      }
      // Channels gone without their StasisEnd (the websocket was down) are forgotten here.
      for (const id of [...arriving.keys(), ...settled]) {
        if (view.channels.has(id)) continue;
        arriving.delete(id);
        settled.delete(id);
      }

      const due = periodic ? found.filter((repair) => suspected.get(repair.key) === repair.version) : found;
      suspected = periodic ? new Map(found.map((repair) => [repair.key, repair.version])) : new Map();
      for (const repair of due) {
        log[repair.what === 'music' ? 'debug' : 'warn']({ repair: repair.key, why: repair.why, periodic }, 'reconcile: bringing the call in line with Redis');
        try {
          await repair.run();
        } catch (error) {
          log.error({ err: error, repair: repair.key }, 'reconcile: repair failed');
        }
      }
      // After a start or reconnect: what a waiting caller hears (announcements, a call-back offer) was this process's, or lost with the old one.
      if (!periodic) {
        for (const [callId, call] of records) {
          if (call?.state !== 'waiting' || call.kind === 'callback' || !view.channels.has(callId)) continue;
          void arrival.resumeWaiting(client, call).catch((error: unknown) => log.warn({ err: error, callId }, 'resuming what a waiting caller hears failed'));
        }
      }
      if (!periodic || due.length > 0) log.info({ activeCalls: active.length, channels: view.channels.size, repairs: due.length, periodic }, 'reconciled calls with Asterisk');
    },
  };
}

export type CallFlow = ReturnType<typeof createCallFlow>;
