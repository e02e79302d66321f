import type { Channel, Client } from 'ari-client';
import type { CallRecord, TransferMode, TransferTargetKind } from '../../calls/call-record.js';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import { AppError } from '../../errors.js';
import type { ContactStore } from '../../extensions/contact-store.js';
import { log } from '../../log.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import type { OperatorStore } from '../../operators/operator-store.js';
import type { CallQueue } from '../../queue/call-queue.js';
import type { AriConnection } from '../ari-connection.js';
import { ariRequest, isGone, releaseCall } from '../call-media.js';
import {
  CALLBACK_LEG_ARG,
  TRANSFER_LEG_ARG,
  callIdOfTransferLeg,
  callbackIdOfDialLeg,
  isCallbackId,
  legAppArgs,
} from '../media-ids.js';
import { type OperatorLegSettings, ringOperator } from '../operator-leg.js';
import type { ControlStore, LegEnded } from './control-store.js';
import { destroyTalkBridge, hangUp, joinTalk, moveToHold, moveToTalk } from './control-media.js';

export interface CallControlSettings {
  /** pjsip endpoint extensions' phones are dialled through, by SIP URI (as operators' phones). */
  extensionEndpoint: string;
  /** pjsip endpoint of the carrier's trunk, through which external numbers are dialled. */
  trunkEndpoint: string;
  /** host[:port] of the carrier's SIP side; without it nothing can be dialled out. */
  trunkHost?: string;
  /** A blind transfer not answered within this comes back (recall). */
  recallSeconds: number;
}

export const DEFAULT_CALL_CONTROL: CallControlSettings = {
  extensionEndpoint: 'operator-phones',
  trunkEndpoint: 'carrier',
  recallSeconds: 20,
};

export interface CallControlDeps {
  queue: CallQueue;
  control: ControlStore;
  callbacks: Pick<CallbackStore, 'notReached'>;
  operators: OperatorStore;
  directory: DirectoryStore;
  contacts: ContactStore;
  /** Asked at each action, so it may be connected after this is built. */
  ari: Pick<AriConnection, 'client'>;
  leg: OperatorLegSettings;
  settings: CallControlSettings;
  /** The dial policy, asked before an external transfer and before a call-back's citizen is dialled. */
  dialling: Pick<DiallingGuard, 'decide' | 'assertAllowed'>;
}

export type TransferTarget = { kind: TransferTargetKind; value: string };

/**
 * Call control on answered calls — hold, blind and attended transfer with recall, park and
 * retrieve, hang up — and dialling out booked call-backs. Redis decides (store/lua/control-*.lua,
 * one script per change); this moves media to match. Legs it dials are named from the call id
 * (media-ids.ts) so call-flow.ts can hand their events here.
 */
export function createCallControl(deps: CallControlDeps) {
  const { queue, control, settings } = deps;

  /** The dial string of a target, checked before anything changes: 409 when it cannot be reached. */
  async function dialString(target: TransferTarget): Promise<string> {
    if (target.kind === 'extension') {
      const [contact] = await deps.contacts.contacts(target.value);
      if (!contact)
        throw new AppError(409, 'extension_unreachable', `extension ${target.value} has no phone registered right now`);
      return `PJSIP/${settings.extensionEndpoint}/${contact}`;
    }
    return trunkDialString(target.value);
  }

  function trunkDialString(e164: string): string {
    if (!settings.trunkHost)
      throw new AppError(
        409,
        'trunk_not_configured',
        'No carrier trunk host is configured (CARRIER_SIP_HOST): external numbers cannot be dialled',
      );
    return `PJSIP/${settings.trunkEndpoint}/sip:${e164}@${settings.trunkHost}`;
  }

  /**
   * Ends a call in Redis and releases every media part of it, control legs included. With
   * `operatorChannelId` the operator hung up: only a call answered on that leg ends. A call-back
   * whose citizen was never reached does not end as answered: it goes back to its place in the
   * queue, or ends as callback-no-answer at the limit (store/lua/callback-unanswered-2.lua).
   * `mediaNodeLost`: the caller went with their Asterisk (queue.finish). Returns the call after
   * it; null when nothing changed.
   */
  async function endCall(
    client: Client,
    callId: string,
    why: string,
    operatorChannelId?: string,
    { mediaNodeLost = false } = {},
  ): Promise<CallRecord | null> {
    const notReached = isCallbackId(callId) ? await deps.callbacks.notReached(callId, { operatorChannelId }) : null;
    const call = notReached?.callback ?? (await queue.finish(callId, { operatorChannelId, mediaNodeLost }));
    if (!call) return null;
    if (notReached) {
      const { what, position } = notReached;
      log.info(
        { callId, operatorId: call.operatorId, unansweredDials: call.unansweredDials, position, why },
        what === 'ended'
          ? 'call-back ended: its citizen never answered'
          : 'call-back not answered by its citizen; back in its place in the queue',
      );
    } else {
      log.info(
        {
          callId,
          outcome: call.outcome,
          waitMs: call.waitMs,
          talkMs: call.talkMs,
          transferTarget: call.transferTarget,
          why,
        },
        'call ended',
      );
    }
    await Promise.all([releaseCall(client, call), releaseLegs(client, call)]);
    return call;
  }

  /** What call control dialled for a call that is ending. */
  async function releaseLegs(client: Client, call: CallRecord): Promise<void> {
    await Promise.all([
      hangUp(client, call.transferLeg, 'hang up transfer target'),
      call.kind === 'callback' && hangUp(client, call.channelId, 'hang up call-back citizen'),
    ]);
  }

  async function originateLeg(
    client: Client,
    call: CallRecord,
    leg: { channelId: string; endpoint: string; arg: string; timeout: number; callerId: string },
  ) {
    await ariRequest(
      'dial control leg',
      client.channels.originate({
        endpoint: leg.endpoint,
        app: deps.leg.app,
        appArgs: legAppArgs(leg.arg, call.callId),
        channelId: leg.channelId,
        callerId: leg.callerId,
        timeout: leg.timeout,
      }),
    );
  }

  /** The call came back from an unanswered transfer, or a leg ended: media follows Redis's decision. */
  async function afterLegEnded(client: Client, ended: LegEnded): Promise<void> {
    const { what, call } = ended;
    const callLog = log.child({ callId: call.callId, transferTarget: call.transferTarget });
    if (what === 'back') {
      await moveToTalk(client, call.callId);
      callLog.info({ transferOutcome: call.transferOutcome }, 'transfer did not happen; operator has the caller back');
    } else if (what === 'end') {
      await endCall(client, call.callId, 'transfer target hung up');
    } else if (what === 'recall-queue') {
      callLog.info(
        { place: call.place },
        'transfer not answered; call back in its place in the queue (its operator is not available)',
      );
    } else {
      await recallToOperator(client, call);
    }
  }

  /** A transfer's target leg ended (or could not be dialled): Redis decides what becomes of the call, media follows. */
  async function transferLegGone(client: Client, callId: string, legId: string): Promise<void> {
    const ended = await control.legEnded(callId, legId);
    if (ended) await afterLegEnded(client, ended);
  }

  async function recallToOperator(client: Client, call: CallRecord): Promise<void> {
    const operatorChannelId = call.operatorChannelId!;
    try {
      const operator = await deps.operators.get(call.operatorId!);
      if (!operator) throw new Error(`operator ${call.operatorId} logged out`);
      const municipality = await deps.directory.getMunicipality(call.municipalityId);
      const context = `${municipality?.name ?? call.municipalityId}, recall from ${call.recallFrom}`;
      await ringOperator(client, deps.leg, {
        call,
        operatorChannelId,
        phone: operator.phone,
        municipalityName: context,
      });
      log.info(
        { callId: call.callId, operatorId: call.operatorId, recallFrom: call.recallFrom },
        'transfer not answered; ringing the operator again',
      );
    } catch (error) {
      await queue.requeue(call.callId, operatorChannelId);
      log.warn({ callId: call.callId, err: error }, 'could not ring the operator for a recall; call back in its place');
    }
  }

  /**
   * A call-back was answered by its operator: dial the citizen out through the trunk, the
   * operator waiting in the talk bridge. The dial policy is asked again first (it may have
   * changed since the booking): refused, the call-back ends as callback-denied, nobody dialled.
   */
  async function callbackOperatorAnswered(client: Client, call: CallRecord, operatorChannelId: string): Promise<void> {
    const decision = await deps.dialling.decide(call.municipalityId, 'callback', call.caller, { callId: call.callId });
    if (!decision.allowed) {
      const denied = await deps.callbacks.notReached(call.callId, { operatorChannelId, denied: true });
      log.info(
        { callId: call.callId, operatorId: call.operatorId, class: decision.class },
        'call-back not dialled: the dial policy refuses its number now; ended as callback-denied',
      );
      await Promise.all([releaseCall(client, denied?.callback ?? call), releaseLegs(client, call)]);
      return;
    }
    await joinTalk(client, call.callId, [operatorChannelId]);
    const municipality = await deps.directory.getMunicipality(call.municipalityId);
    try {
      await originateLeg(client, call, {
        channelId: call.channelId,
        endpoint: trunkDialString(call.caller),
        arg: CALLBACK_LEG_ARG,
        timeout: deps.leg.ringSeconds,
        callerId: `"${municipality?.name ?? call.municipalityId}" <${call.calledNumber}>`,
      });
      log.info(
        {
          callId: call.callId,
          number: call.caller,
          operatorId: call.operatorId,
          unansweredDials: call.unansweredDials ?? 0,
        },
        'call-back: dialling the citizen',
      );
    } catch (error) {
      log.warn({ callId: call.callId, err: error }, 'call-back could not be dialled');
      await endCall(client, call.callId, 'call-back could not be dialled');
    }
  }

  async function transfer(
    callId: string,
    operatorId: string,
    target: TransferTarget,
    mode: TransferMode,
  ): Promise<CallRecord> {
    if (target.kind === 'external') {
      // Before anything changes: the call's municipality pays for the leg out (403 dialling_denied). No such call: control.act says so.
      const call = await queue.get(callId);
      if (call)
        await deps.dialling.assertAllowed(
          call.municipalityId,
          'transfer',
          target.value,
          { status: 403, field: 'body.number' },
          { callId },
        );
    }
    const client = deps.ari.client();
    const endpoint = await dialString(target);
    const { call, releasedLeg } = await control.act(callId, operatorId, {
      action: 'transfer',
      mode,
      targetKind: target.kind,
      target: target.value,
    });
    const legId = call.transferLeg!;
    log.info({ callId, operatorId, mode, target: target.value, legId }, 'transferring call');
    await moveToHold(client, callId);
    if (mode === 'blind') {
      // The operator is free at once: the caller waits on music until the target answers or the recall.
      await destroyTalkBridge(client, callId);
      await hangUp(client, releasedLeg, 'release operator');
    }
    const timeout = mode === 'blind' ? settings.recallSeconds : deps.leg.ringSeconds;
    try {
      await originateLeg(client, call, {
        channelId: legId,
        endpoint,
        arg: TRANSFER_LEG_ARG,
        timeout,
        callerId: `"${formatForDisplay(call.caller)}" <${call.caller}>`,
      });
    } catch (error) {
      log.warn({ callId, legId, err: error }, 'could not dial the transfer target');
      await transferLegGone(client, callId, legId);
    }
    return (await queue.get(callId)) ?? call;
  }

  return {
    endCall,

    async hold(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const { call } = await control.act(callId, operatorId, { action: 'hold' });
      await moveToHold(client, callId);
      log.info({ callId, operatorId }, 'call on hold');
      return call;
    },

    async unhold(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const { call } = await control.act(callId, operatorId, { action: 'unhold' });
      await moveToTalk(client, callId);
      log.info({ callId, operatorId }, 'call off hold');
      return call;
    },

    transfer,

    /** Attended transfer: the operator has talked to the target; caller and target are bridged, the operator leaves. */
    async completeTransfer(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const { call, releasedLeg } = await control.act(callId, operatorId, { action: 'complete' });
      await hangUp(client, releasedLeg, 'release operator');
      await moveToTalk(client, callId);
      log.info({ callId, operatorId, target: call.transferTarget }, 'attended transfer completed');
      return call;
    },

    /** Attended transfer called off: the target is hung up, the operator has the caller back. */
    async cancelTransfer(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const { call } = await control.act(callId, operatorId, { action: 'cancel' });
      await hangUp(client, call.transferLeg, 'hang up transfer target');
      await moveToTalk(client, callId);
      log.info({ callId, operatorId, target: call.transferTarget }, 'attended transfer cancelled');
      return call;
    },

    async park(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const { call, releasedLeg } = await control.act(callId, operatorId, { action: 'park' });
      await moveToHold(client, callId);
      await destroyTalkBridge(client, callId);
      await hangUp(client, releasedLeg, 'release operator');
      log.info({ callId, operatorId, municipalityId: call.municipalityId }, 'call parked');
      return call;
    },

    /** Any operator serving the municipality takes a parked call: their phone rings, then the usual bridging. */
    async retrieve(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const operator = await deps.operators.get(operatorId);
      if (!operator)
        throw new AppError(
          409,
          'operator_not_logged_in',
          'Log in as an operator (with your phone) before taking calls',
        );
      const call = await control.retrieve(callId, operatorId);
      const operatorChannelId = call.operatorChannelId!;
      try {
        const municipality = await deps.directory.getMunicipality(call.municipalityId);
        await ringOperator(client, deps.leg, {
          call,
          operatorChannelId,
          phone: operator.phone,
          municipalityName: `${municipality?.name ?? call.municipalityId}, parked`,
        });
        log.info({ callId, operatorId, operatorChannelId }, 'retrieving parked call; ringing operator');
        return call;
      } catch (error) {
        await queue.requeue(callId, operatorChannelId);
        throw error;
      }
    },

    /**
     * Hangs up the caller of a waiting call that became a booked call-back (ended in Redis
     * already). The booking stands if Asterisk cannot be asked: the caller is then released at
     * their own hang-up or by reconcile (media/reconcile/: a caller whose call has ended).
     */
    async releaseBookedCaller(callId: string): Promise<void> {
      const call = await queue.get(callId);
      if (call?.outcome !== 'callback-booked') return;
      try {
        await releaseCall(deps.ari.client(), call);
      } catch (error) {
        log.warn({ callId, err: error }, 'could not hang up the caller of a booked call-back');
      }
    },

    /** The operator ends the call (both sides hung up). */
    async hangUpCall(callId: string, operatorId: string): Promise<CallRecord> {
      const client = deps.ari.client();
      const call = await queue.get(callId);
      if (!call) throw new AppError(404, 'call_not_found', `No call has the id ${callId}`);
      if (call.state !== 'answered') throw new AppError(409, 'call_not_answered', `call ${callId} is not answered`);
      if (call.operatorId !== operatorId)
        throw new AppError(403, 'not_your_call', `call ${callId} is not answered by operator ${operatorId}`);
      if (!call.operatorChannelId)
        throw new AppError(
          409,
          'call_control_conflict',
          `call ${callId} is ${call.control ?? 'no longer yours'}: you have let go of it`,
        );
      return (await endCall(client, callId, 'operator hung up (API)')) ?? call;
    },

    callbackOperatorAnswered,

    /** StasisStart of a leg this module dialled (its first Stasis argument says which kind). */
    async legAnswered(client: Client, channel: Channel, kind: string, callId: string): Promise<void> {
      const answered = await control.legAnswered(callId, channel.id);
      if (!answered) {
        log.info({ callId, channelId: channel.id, kind }, 'a leg answered that is no longer wanted; hanging it up');
        await hangUp(client, channel.id, 'hang up unwanted leg');
        return;
      }
      try {
        if (answered.what === 'bridge') {
          await moveToTalk(client, callId, [channel.id]);
          log.info({ callId, target: answered.call.transferTarget }, 'transfer answered; caller and target bridged');
        } else {
          await joinTalk(client, callId, [channel.id]);
          log.info(
            { callId, what: answered.what },
            answered.what === 'consult'
              ? 'transfer target answered; operator consulting'
              : 'call-back answered; citizen and operator bridged',
          );
        }
      } catch (error) {
        if (!isGone(error)) throw error;
        await endCall(client, callId, 'a leg vanished while bridging');
      }
    },

    transferLegGone,

    /** True for channels whose end this module handles (call-flow.ts dispatches ChannelDestroyed here). */
    ownsChannel: (channelId: string) =>
      callIdOfTransferLeg(channelId) !== undefined || callbackIdOfDialLeg(channelId) !== undefined,

    async channelDestroyed(client: Client, channel: Channel): Promise<void> {
      const callbackId = callbackIdOfDialLeg(channel.id);
      if (callbackId !== undefined) {
        const call = await queue.get(callbackId);
        // A leg of an earlier attempt, or the call-back was settled already (e.g. its operator hung up first).
        if (call?.state !== 'answered') return;
        await endCall(
          client,
          callbackId,
          call.dialAnsweredAt === undefined ? 'call-back citizen did not answer' : 'call-back citizen hung up',
        );
        return;
      }
      await transferLegGone(client, callIdOfTransferLeg(channel.id)!, channel.id);
    },
  };
}

export type CallControl = ReturnType<typeof createCallControl>;
