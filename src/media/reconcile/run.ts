import type { Channel, Client } from 'ari-client';
import type { CallRecord } from '../../calls/call-record.js';
import { log } from '../../log.js';
import type { CallQueue } from '../../queue/call-queue.js';
import type { Arrival } from '../arrival/arrival.js';
import type { CallerMedia } from '../arrival/caller-media.js';
import { ariRequest, releaseHoldBridge } from '../call-media.js';
import type { CallControl } from '../call-control/call-control.js';
import { destroyTalkBridge, hangUp, joinTalk, moveToHold, moveToTalk } from '../call-control/control-media.js';
import { type AsteriskView, readAsterisk } from './asterisk-view.js';
import { type ReconcileAction, planReconcile, recordsWanted } from './plan.js';

/** The longest an ending prompt may keep a caller reconcile releases. */
const ENDING_PROMPT_MAX_MS = 30_000;

export interface ReconcilerDeps {
  queue: Pick<CallQueue, 'activeCallIds' | 'get' | 'requeue' | 'markAnswered'>;
  control: Pick<CallControl, 'endCall' | 'transferLegGone' | 'callbackOperatorAnswered'>;
  arrival: Pick<Arrival, 'resumeWaiting'>;
  app: string;
  mediaNode: string;
  /** The call flow's memory of callers (media/call-flow.ts); those gone without their StasisEnd are forgotten here. */
  arriving: Map<string, number>;
  settled: Set<string>;
  /** Prompts for the callers reconcile releases (the call flow's own dispatch: the arrival's is the arrival's). */
  media: Pick<CallerMedia, 'play'>;
  /** What the call flow does on Asterisk's events, done here for the events that were missed. */
  flow: {
    operatorAnswered(client: Client, operatorChannel: Channel, callId: string): Promise<void>;
    operatorLegFailed(callId: string, operatorChannelId: string, cause: string): Promise<void>;
    callerArrived(client: Client, channel: Channel, dialled: string, resumed: boolean): Promise<void>;
  };
}

/**
 * Reconcile's reads and deeds around its pure plan (plan.ts): reads Redis's calls and then
 * Asterisk's channels and bridges, plans, and carries the repairs out through ARI and the call
 * flow's, call control's and the arrival's own functions. Runs at a start, after a lost
 * websocket (events may have been missed) and periodically while connected (an ARI step may
 * have failed with nobody to retry it); media/ari-connection.ts never runs two at once.
 */
export function createReconciler(deps: ReconcilerDeps) {
  const { queue, control, arrival, flow } = deps;
  /** The repairs the previous periodic run found (key → the record it was found on, as JSON). */
  let suspected = new Map<string, string>();

  /** A caller still on the line whose call has ended in Redis (e.g. the process stopped before the hang-up): their ending prompt, then the hang-up. */
  async function releaseEnded(client: Client, callId: string, prompts: string[], reason: string): Promise<void> {
    if (prompts.length > 0) {
      await ariRequest('stop music', client.channels.stopMoh({ channelId: callId })).catch(() => undefined);
      await ariRequest('play ending prompt', deps.media.play(client, callId, prompts), ENDING_PROMPT_MAX_MS).catch(
        () => undefined,
      );
    }
    await control.endCall(client, callId, reason);
  }

  async function carryOut(client: Client, action: ReconcileAction, view: AsteriskView<Channel>): Promise<unknown> {
    switch (action.what) {
      case 'end':
        return control.endCall(client, action.callId, action.reason, action.operatorChannelId, {
          mediaNodeLost: action.mediaNodeLost,
        });
      case 'requeue':
        if (action.callback) return queue.requeue(action.callId, action.operatorChannelId);
        return flow.operatorLegFailed(action.callId, action.operatorChannelId, 'operator leg gone while we were away');
      case 'answer':
        if (action.callback)
          return control.callbackOperatorAnswered(
            client,
            await queue.markAnswered(action.callId, action.operatorChannelId),
            action.operatorChannelId,
          );
        return flow.operatorAnswered(client, view.channels.get(action.operatorChannelId)!, action.callId);
      case 'transfer-leg-gone':
        return control.transferLegGone(client, action.callId, action.transferLeg);
      case 'to-hold':
        await moveToHold(client, action.callId);
        if (action.destroyTalk) await destroyTalkBridge(client, action.callId);
        return;
      case 'music':
        return ariRequest(
          'start music on hold',
          client.channels.startMoh({ channelId: action.callId, mohClass: 'default' }),
        );
      case 'to-talk': {
        const { callId, missing } = action;
        return missing.includes(callId)
          ? moveToTalk(
              client,
              callId,
              missing.filter((id) => id !== callId),
            )
          : joinTalk(client, callId, missing);
      }
      case 'stale-leg':
        return hangUp(client, action.channelId, 'hang up left-over leg');
      case 'release-ended': {
        const { callId, prompts, reason } = action;
        // Not awaited: an ending prompt takes seconds, and the other repairs need not wait for it.
        void releaseEnded(client, callId, prompts, reason).catch((error: unknown) =>
          log.error({ err: error, callId }, 'releasing the caller of an ended call failed'),
        );
        return;
      }
      case 'arrive': {
        // The set-up was cut short (we stopped between StasisStart and enqueue): run it again from the start.
        const channel = view.channels.get(action.channelId)!;
        await releaseHoldBridge(client, channel.id);
        return flow.callerArrived(client, channel, channel.dialplan.exten, true);
      }
    }
  }

  /** Brings Asterisk (and Redis, where a leg's end was missed) into agreement with Redis's calls (plan.ts says how). */
  return async function reconcile(client: Client, { periodic = false }: { periodic?: boolean } = {}): Promise<void> {
    // Calls before channels: a call active before the channel list was read whose caller is not in it is gone for good.
    const active = await queue.activeCallIds();
    const view = await readAsterisk(client);
    const records = new Map<string, CallRecord | null>();
    await Promise.all(active.map(async (callId) => records.set(callId, await queue.get(callId))));
    const known = {
      periodic,
      app: deps.app,
      mediaNode: deps.mediaNode,
      now: Date.now(),
      active,
      view,
      arriving: deps.arriving,
      settled: deps.settled,
    };
    for (const callId of recordsWanted(known)) records.set(callId, await queue.get(callId));

    const plan = planReconcile({ ...known, records, suspected });
    suspected = plan.suspected;
    for (const id of plan.forget) {
      deps.arriving.delete(id);
      deps.settled.delete(id);
    }
    for (const { key, action } of plan.due) {
      log[action.what === 'music' ? 'debug' : 'warn'](
        { repair: key, why: action.why, periodic },
        'reconcile: bringing the call in line with Redis',
      );
      try {
        await carryOut(client, action, view);
      } catch (error) {
        log.error({ err: error, repair: key }, 'reconcile: repair failed');
      }
    }
    for (const callId of plan.resumeWaiting) {
      void arrival
        .resumeWaiting(client, records.get(callId)!)
        .catch((error: unknown) => log.warn({ err: error, callId }, 'resuming what a waiting caller hears failed'));
    }
    if (!periodic || plan.due.length > 0)
      log.info(
        { activeCalls: active.length, channels: view.channels.size, repairs: plan.due.length, periodic },
        'reconciled calls with Asterisk',
      );
  };
}

export type Reconcile = ReturnType<typeof createReconciler>;
