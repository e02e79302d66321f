import type { Channel, Client } from 'ari-client';
import { z } from 'zod';
import type { CallRecord, QueueReason } from '../../calls/call-record.js';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DirectoryStore } from '../../directory/directory-store.js';
import type { OpeningState } from '../../hours/opening-state.js';
import { log } from '../../log.js';
import { parsePhoneNumber } from '../../numbers/phone-number.js';
import type { ArrivalFields, CallQueue, OverflowDecision } from '../../queue/call-queue.js';
import type { QueuePolicies } from '../../queue/policy/queue-policy.js';
import { type DirectNumberOwner, routeCall } from '../../routing/route-call.js';
import { ariRequest, holdCaller, mediaIds } from '../call-media.js';
import { createAnnouncements } from './announcements.js';
import type { CallerMedia } from './caller-media.js';
import { closedPrompts } from './caller-prompts.js';
import { callIdOfExtensionLeg, type DirectDial } from './direct-dial.js';
import { chooseMunicipality } from './regional-menu.js';
import type { StoredTexts } from './stored-texts.js';

/** What the SIP edge says (X-Reason, the second Stasis argument) when it already rang a direct number's phones. */
const EdgeReason = z.enum(['extension-busy', 'extension-no-answer', 'extension-not-registered']);

export interface ArrivalDeps {
  region: RegionConfig;
  queue: CallQueue;
  directory: DirectoryStore;
  owner: DirectNumberOwner;
  policies: QueuePolicies;
  media: CallerMedia;
  directDial: DirectDial;
  /** calls/callbacks/: books a call-back on a waiting call. */
  callbacks: Pick<CallbackStore, 'book'>;
  /** The municipality's stored closed message and queue announcements, spoken. */
  texts: StoredTexts;
  /** hours/opening-state.ts: whether the municipality's switchboard is open at an instant. */
  openingStateAt(municipalityId: string, at: Date): Promise<OpeningState>;
  /** This instance's Asterisk (AriSettings.mediaNode): a queued call's record names it, so only this node's instance reconciles it. */
  mediaNode: string;
  /** The switchboard's clock for time of day (tests run "on 2026-12-25 10:00"); Redis stamps the records. */
  now: () => number;
}

/** A caller's way into a queue, once routing (and the menu, or the extension) has decided. */
interface QueueEntry {
  municipalityId: string;
  calledNumber: string;
  reason: QueueReason;
  fields: ArrivalFields;
}

/**
 * What a calling citizen meets before an operator: routing by the called number, the regional
 * menu, a direct-dial number ringing its extension, the closed message outside opening hours,
 * the queue with its greeting and announcements, and the queue policy's overflow. Redis holds
 * every decision (queue/, queue/policy/); this moves the caller's media to match.
 */
export function createArrival(deps: ArrivalDeps) {
  const { region, queue, directory, owner, policies, media, directDial, callbacks, texts, now } = deps;
  const announcements = createAnnouncements({ queue, policies, media, texts, now });

  /** Open, unless the hours say closed. A failure to read them lets the call through: a citizen should reach a person. */
  async function closedState(municipalityId: string, callId: string): Promise<OpeningState | undefined> {
    try {
      const state = await deps.openingStateAt(municipalityId, new Date(now()));
      return state.open ? undefined : state;
    } catch (error) {
      log.error({ err: error, callId, municipalityId }, 'could not read opening hours; treating the municipality as open');
      return undefined;
    }
  }

  async function hangUp(client: Client, callId: string) {
    await ariRequest('hang up caller', client.channels.hangup({ channelId: callId, reason: 'normal' })).catch(() => undefined);
  }

  /**
   * Outside opening hours: the call is recorded as closed, the caller hears the closed message
   * (the municipality's stored one, else the shipped prompt) and the alternatives, then the call ends.
   */
  async function closed(client: Client, channel: Channel, entry: QueueEntry, state: OpeningState): Promise<void> {
    const callId = channel.id;
    await policies.recordClosed({ callId, channelId: callId, municipalityId: entry.municipalityId, calledNumber: entry.calledNumber, caller: callerNumber(channel), reason: entry.reason }, entry.fields);
    const { spoken, otherwise, then } = closedPrompts(state, await texts.of(entry.municipalityId, callId));
    // Spoken before answering: the caller hears ringing meanwhile, not silence.
    const spokenUri = await texts.mediaUri(spoken, callId);
    await ariRequest('answer', client.channels.answer({ channelId: callId })).catch(() => undefined);
    const heard = await media.playSpokenElse(client, callId, spokenUri, otherwise, { then, playbackId: `${callId}-closed`, textPlaybackId: `${callId}-closed-message` });
    log.info({ callId, municipalityId: entry.municipalityId, rule: state.rule, why: state.why, heard }, 'call arrived while closed; closed message played');
    await hangUp(client, callId);
  }

  /** Into the queue (held, music) with the queue policy's admission decided in the same step, then the announcements. */
  async function enqueue(client: Client, channel: Channel, entry: QueueEntry): Promise<boolean> {
    const callId = channel.id;
    const closedNow = await closedState(entry.municipalityId, callId);
    if (closedNow) {
      await closed(client, channel, entry, closedNow);
      return false;
    }
    if (media.hasLeft(callId)) return false;
    await holdCaller(client, callId);
    const input = { callId, channelId: callId, municipalityId: entry.municipalityId, calledNumber: entry.calledNumber, caller: callerNumber(channel), reason: entry.reason };
    const decision = await policies.enqueue(input, { ...entry.fields, mediaNode: deps.mediaNode });
    log.info({ callId, municipalityId: entry.municipalityId, reason: entry.reason, position: decision.position, admission: decision.action }, 'call queued');
    if (decision.action === 'stay') announcements.start(client, callId);
    else await overflowed(client, decision);
    return true;
  }

  /** Calls whose call-back offer this process is playing now: an offer is never made twice at once. */
  const offering = new Set<string>();

  /**
   * "Tryck 1" into the holding bridge (the call still waits: an operator may take it meanwhile).
   * 1 books the call-back and thanks the caller; otherwise the offer ends the call ('ended'),
   * unless it no longer waits ('stay': taken meanwhile, music again).
   */
  async function offerCallback(client: Client, callId: string): Promise<'booked' | 'ended' | 'stay'> {
    const digit = await media.collectDigit(client, callId, ['overflow-callback-offer'], region.region.menu.timeoutSeconds * 1000, { bridgeId: mediaIds.holdBridge(callId) });
    if (digit === '1') {
      const booked = await callbacks.book({ callId }).then(
        () => true,
        (error: unknown) => (log.warn({ err: error, callId }, 'call-back could not be booked'), false),
      );
      if (booked) {
        log.info({ callId }, 'caller booked a call-back instead of waiting');
        await media.play(client, callId, ['overflow-callback-booked']);
        await hangUp(client, callId);
        return 'booked';
      }
    }
    if ((await policies.endOffer(callId)).action !== 'stay') return 'ended';
    await ariRequest('resume music', client.channels.startMoh({ channelId: callId, mohClass: 'default' })).catch(() => undefined);
    return 'stay';
  }

  /** Plays what the queue policy decided for a call (admission or maximum wait). */
  async function overflowed(client: Client, decision: OverflowDecision): Promise<void> {
    const { callId, action, cause } = decision;
    log.info({ callId, action, cause, position: decision.position }, 'queue policy overflowed the call');
    if (action === 'stay' || (action === 'callback' && offering.has(callId))) return;
    await announcements.silence(client, callId);
    if (action === 'queue') return announcements.start(client, callId, { moved: true });
    await ariRequest('stop music', client.channels.stopMoh({ channelId: callId })).catch(() => undefined);
    if (action === 'callback') {
      offering.add(callId);
      const offered = await offerCallback(client, callId).finally(() => offering.delete(callId));
      if (offered !== 'ended') return;
    }
    await media.play(client, callId, [cause === 'no-operator' ? 'overflow-no-operator' : action === 'callback' ? 'overflow-callback-unavailable' : 'overflow-busy']);
    await hangUp(client, callId);
  }

  return {
    /**
     * A caller entered the Stasis app. Returns true when the call was put in a queue (the
     * caller may have hung up meanwhile: the call flow checks and ends it then).
     */
    async callerArrived(client: Client, channel: Channel, dialled: string, { resumed = false, edgeReason }: { resumed?: boolean; edgeReason?: string | undefined } = {}): Promise<boolean> {
      const callId = channel.id;
      if (resumed && (await directDial.isTalking(client, callId))) return false;
      // The number called is the region's; the caller's is personal data, at debug only (src/log.ts).
      const callLog = log.child({ callId, calledNumber: dialled });
      callLog.debug({ caller: channel.caller.number }, 'caller arrived');
      const route = await routeCall(dialled, directory.findRoute, owner);
      if (route.action === 'reject') {
        callLog.info({ cause: route.cause, detail: route.detail }, 'call rejected: not a number of the region');
        await ariRequest('reject caller', client.channels.hangup({ channelId: callId, reason: 'unallocated' })).catch(() => undefined);
        return false;
      }
      const { calledNumber } = route;
      if (route.action === 'queue') return enqueue(client, channel, { municipalityId: route.municipalityId, calledNumber, reason: route.reason, fields: {} });
      if (route.action === 'menu') {
        await ariRequest('answer', client.channels.answer({ channelId: callId }));
        const choice = await chooseMunicipality(client, callId, { region, media });
        if (media.hasLeft(callId)) return false;
        callLog.info(choice, 'regional menu answered');
        const fields = choice.chosen ? {} : { reasonDetail: 'no choice in the menu' };
        return enqueue(client, channel, { municipalityId: choice.municipalityId, calledNumber, reason: 'regional-number', fields });
      }
      // The SIP edge already rang the extension's phones (sip-edge/edge.ts): to the queue with its reason.
      const rungByEdge = EdgeReason.safeParse(edgeReason);
      if (rungByEdge.success) return enqueue(client, channel, { municipalityId: route.municipalityId, calledNumber, reason: rungByEdge.data, fields: { extension: route.extension } });
      const result = await directDial.ring(client, channel, route.extension, callerNumber(channel), () => media.hasLeft(callId));
      if (result.answered || 'callerGone' in result) return false;
      callLog.info({ extension: route.extension, reason: result.reason, detail: result.detail }, 'direct-dial number not taken; to the queue');
      const fields = { extension: route.extension, ...(result.detail ? { reasonDetail: result.detail } : {}) };
      return enqueue(client, channel, { municipalityId: route.municipalityId, calledNumber, reason: result.reason, fields });
    },

    /** Applies the maximum-wait limits (queue/policy/), as often as the overflow watch runs. */
    async sweep(client: Client): Promise<void> {
      for (const decision of await policies.sweep()) {
        void overflowed(client, decision).catch((error: unknown) => log.error({ err: error, callId: decision.callId }, 'playing an overflow failed'));
      }
    },

    /**
     * A caller still waiting after a start or reconnect (reconcile): a call-back offer that was
     * cut short (the call is marked for it, not moved) is made again, unless this process is
     * making it; otherwise the announcements go on.
     */
    async resumeWaiting(client: Client, call: CallRecord): Promise<void> {
      if (call.overflow && !call.overflowFrom) return overflowed(client, { callId: call.callId, action: 'callback', cause: call.overflow, position: 0 });
      await announcements.resume(client, call.callId);
    },

    /** The process stops: no announcement timer fires after it (the next process resumes them). */
    stop: () => announcements.stopAll(),

    /** Registers prompt and DTMF event dispatch on a (new) ARI client. */
    attach: (client: Client) => media.attach(client),

    /** An extension leg of a direct-dial call answered. */
    extensionAnswered: (client: Client, leg: Channel, callId: string) => directDial.legAnswered(client, leg, callId),

    /** An extension leg is gone (ChannelDestroyed, with its Q.850 cause). */
    extensionLegDestroyed: (channelId: string, cause: number) => directDial.legEnded(channelId, cause),

    /**
     * A channel left the Stasis app. A caller: waits for them end, a ringing extension stops, a
     * talking one is hung up. An extension leg that talked: the caller is hung up.
     */
    async callerLeft(client: Client, callId: string): Promise<void> {
      const directCall = callIdOfExtensionLeg(callId);
      if (directCall) return directDial.release(client, directCall);
      media.callerLeft(callId);
      announcements.stop(callId);
      await directDial.callerLeft(client, callId);
      await directDial.release(client, callId);
    },
  };
}

export type Arrival = ReturnType<typeof createArrival>;

/**
 * The caller's number as E.164 when it parses, else as received ("anonymous" when hidden). Only
 * an E.164 caller is offered a call-back when a queue overflows (store/lua/enqueue.lua).
 */
export function callerNumber(channel: Channel): string {
  const raw = channel.caller.number;
  if (!raw) return 'anonymous';
  const parsed = parsePhoneNumber(raw);
  return parsed.ok ? parsed.e164 : raw;
}
