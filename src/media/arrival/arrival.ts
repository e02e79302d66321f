import type { Channel, Client } from 'ari-client';
import { z } from 'zod';
import type { CallRecord, QueueReason } from '../../calls/call-record.js';
import type { CallbackStore } from '../../calls/callbacks/callback-store.js';
import type { RegionConfig } from '../../config/region-schema.js';
import type { DiallingGuard } from '../../dialling/dialling-guard.js';
import type { OpeningState } from '../../hours/opening-state.js';
import { log } from '../../log.js';
import { parsePhoneNumber } from '../../numbers/phone-number.js';
import { isFeatureCodeDial } from '../../self-service/feature-codes.js';
import type { ArrivalFields, CallQueue, EnqueueInput, OverflowDecision } from '../../queue/call-queue.js';
import type { QueuePolicies } from '../../queue/policy/queue-policy.js';
import { type CallRoute, type DirectNumberOwner, type NumberLookup, routeCall } from '../../routing/route-call.js';
import { ariRequest } from '../call-media.js';
import { callIdOfExtensionLeg, mediaIds } from '../media-ids.js';
import { createAnnouncements } from './announcements.js';
import { type CallSetUp, within } from './call-set-up.js';
import type { Capacity, Refusal } from './capacity.js';
import type { CallerMedia } from './caller-media.js';
import { closedPrompts } from './caller-prompts.js';
import type { DirectDial } from './direct-dial.js';
import type { FeatureCodes } from './feature-code.js';
import { chooseMunicipality } from './regional-menu.js';
import type { StoredTexts } from './stored-texts.js';
import type { VoiceMessages } from './voice-message.js';

/** How long a refused caller is remembered, for its StasisEnd (it comes at once: the refusal hangs it up). */
const REFUSED_MEMORY_MS = 60_000;

/** What the SIP edge says (X-Reason, the second Stasis argument) when it already rang a direct number's phones. */
const EdgeReason = z.enum(['extension-busy', 'extension-no-answer', 'extension-not-registered']);

export interface ArrivalDeps {
  region: RegionConfig;
  queue: CallQueue;
  /** What a called number is: the region's numbers in memory (routing/routing-table.ts), no Redis read per call. */
  findRoute: NumberLookup;
  owner: DirectNumberOwner;
  policies: QueuePolicies;
  media: CallerMedia;
  directDial: DirectDial;
  /** A phone's own feature code (`*21*1400#`, `*20`): its hänvisning, not a citizen's call. */
  featureCodes: FeatureCodes;
  /** calls/callbacks/: books a call-back on a waiting call. */
  callbacks: Pick<CallbackStore, 'book'>;
  /** The dial policy: a call-back is offered only to a caller whose number it lets call-backs dial. */
  dialling: Pick<DiallingGuard, 'decide'>;
  /** The municipality's stored closed message and queue announcements, spoken. */
  texts: StoredTexts;
  /** hours/opening-state.ts: whether the municipality's switchboard is open at an instant. */
  openingStateAt(municipalityId: string, at: Date): Promise<OpeningState>;
  /** This instance's Asterisk (AriSettings.mediaNode): a queued call's record names it, so only this node's instance reconciles it. */
  mediaNode: string;
  /** The node's limits: callers past them are refused before the answer (capacity.ts). */
  capacity: Capacity;
  /** The bounded way into the queue (call-set-up.ts). */
  setUp: CallSetUp;
  /** A message with a key press after a hänvisning (voice-message.ts): only while messages are sent by e-mail. */
  voiceMessages?: VoiceMessages | undefined;
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
  const { region, queue, owner, policies, media, directDial, callbacks, texts, capacity, setUp, now } = deps;
  const announcements = createAnnouncements({ queue, policies, media, texts, now });

  /** Open, unless the hours say closed. A failure to read them lets the call through: a citizen should reach a person. */
  async function closedState(municipalityId: string, callId: string): Promise<OpeningState | undefined> {
    try {
      // Cached (arrival-config.ts); read from Redis only after an admin change, and never waited for longer than a set-up may take.
      const state = await within(
        'opening hours',
        deps.openingStateAt(municipalityId, new Date(now())),
        setUp.timeoutMs,
      );
      return state.open ? undefined : state;
    } catch (error) {
      log.error(
        { err: error, callId, municipalityId },
        'could not read opening hours; treating the municipality as open',
      );
      return undefined;
    }
  }

  async function hangUp(client: Client, callId: string) {
    await ariRequest('hang up caller', client.channels.hangup({ channelId: callId, reason: 'normal' })).catch(
      () => undefined,
    );
  }

  /**
   * Outside opening hours: the call is recorded as closed, the caller hears the closed message
   * (the municipality's stored one, else the shipped prompt) and the alternatives, then the call ends.
   */
  async function closed(client: Client, channel: Channel, entry: QueueEntry, state: OpeningState): Promise<void> {
    const callId = channel.id;
    await policies.recordClosed(callerInput(channel, entry), entry.fields);
    const { spoken, otherwise, then } = closedPrompts(state, await texts.of(entry.municipalityId, callId));
    // Spoken before answering: the caller hears ringing meanwhile, not silence.
    const spokenUri = await texts.mediaUri(spoken, callId);
    await ariRequest('answer', client.channels.answer({ channelId: callId })).catch(() => undefined);
    const heard = await media.playSpokenElse(client, callId, spokenUri, otherwise, {
      then,
      playbackId: mediaIds.playback(callId, 'closed'),
      textPlaybackId: mediaIds.playback(callId, 'closed-message'),
    });
    log.info(
      { callId, municipalityId: entry.municipalityId, rule: state.rule, why: state.why, heard },
      'call arrived while closed; closed message played',
    );
    await hangUp(client, callId);
  }

  /**
   * An absent person's hänvisning, spoken to the caller before the queue ("Åsa Lind är på möte
   * till 14.00"), as the stored texts are; when it cannot be spoken the caller goes on without it.
   */
  async function sayAbsence(client: Client, callId: string, sentence: string): Promise<void> {
    const spokenUri = await texts.mediaUri({ text: sentence, language: 'sv' }, callId);
    if (!spokenUri) return;
    await ariRequest('answer', client.channels.answer({ channelId: callId })).catch(() => undefined);
    await media.playSpokenElse(client, callId, spokenUri, [], {
      textPlaybackId: mediaIds.playback(callId, 'absence'),
    });
  }

  /**
   * After the hänvisning, "Tryck 1 …": true when the caller pressed 1 and spoke their message
   * (the call then ends as `voice-message`, never in a queue); false sends them on to the queue.
   */
  async function voiceMessage(client: Client, channel: Channel, entry: QueueEntry, entryId: string): Promise<boolean> {
    const callId = channel.id;
    const { voiceMessages } = deps;
    if (!voiceMessages) return false;
    await ariRequest('answer', client.channels.answer({ channelId: callId })).catch(() => undefined);
    if (!(await voiceMessages.offer(client, callId))) return false;
    await queue
      .recordEnded(callerInput(channel, entry), 'voice-message', { ...entry.fields, ...arrivalFields(channel) })
      .catch((error: unknown) => log.warn({ err: error, callId }, 'a voice-message call could not be recorded'));
    await voiceMessages.record(client, callId, { entryId, callerNumber: callerNumber(channel) });
    await hangUp(client, callId);
    return true;
  }

  /** Callers refused at capacity, until their hang-up is seen: there is no call to end for them (callerLeft). */
  const refused = new Set<string>();

  /** The record fields of every call arriving on this node: which node, and when it reached it. */
  const arrivalFields = (channel: Channel): ArrivalFields => ({
    mediaNode: deps.mediaNode,
    arrivedAt: Date.parse(channel.creationtime),
  });

  /**
   * Into the queue (held, music) with the queue policy's admission decided in the same step
   * (call-set-up.ts, bounded: a failure is told to the caller and recorded), then the greeting
   * and announcements. Closed: the closed message instead. True when the call has a record the
   * call flow keeps in line (queued, or ended at its arrival), false when there is none (the
   * caller left first).
   */
  async function enqueue(client: Client, channel: Channel, entry: QueueEntry): Promise<boolean> {
    const callId = channel.id;
    const started = Date.now();
    const closedNow = await closedState(entry.municipalityId, callId);
    if (closedNow) {
      capacity.setUpOver(callId);
      await closed(client, channel, entry, closedNow);
      return true;
    }
    if (media.hasLeft(callId)) return false;
    const input = callerInput(channel, entry);
    const call = { input, fields: { ...entry.fields, ...arrivalFields(channel) } };
    let decision: OverflowDecision | 'gone';
    try {
      decision = await setUp.run(client, channel, call, started);
    } catch (error) {
      capacity.setUpOver(callId);
      await setUp.fail(client, channel, call, error);
      return true;
    }
    capacity.setUpOver(callId);
    if (decision === 'gone') return false;
    log.info(
      {
        callId,
        municipalityId: entry.municipalityId,
        reason: entry.reason,
        position: decision.position,
        admission: decision.action,
        setUpMs: Date.now() - started,
      },
      'call queued',
    );
    // Set up just now: the caller hears the holding bridge's music, and the greeting needs no read first.
    if (decision.action === 'stay')
      announcements.start(client, callId, {
        waiting: { municipalityId: entry.municipalityId, calledId: entry.municipalityId, position: decision.position },
      });
    else await overflowed(client, decision);
    return true;
  }

  /**
   * A new caller the node has no room for (capacity.ts): refused before any answer, as busy
   * (SIP 486: the SIP edge then rings the fallback numbers, or answers 503), and recorded as
   * rejected-capacity for the statistics — without the caller's number, which nothing needs.
   * While this instance drains: refused as congestion (SIP 503), which the SIP edge (or the
   * carrier) takes to another node; not recorded, as the call goes on there.
   */
  async function refuse(
    client: Client,
    channel: Channel,
    route: Exclude<CallRoute, { action: 'reject' }>,
    refusal: Refusal,
    edgeReason: string | undefined,
  ): Promise<void> {
    const callId = channel.id;
    refused.add(callId);
    setTimeout(() => refused.delete(callId), REFUSED_MEMORY_MS).unref();
    if (refusal === 'draining') {
      log.info({ callId }, 'call refused (503): this instance is draining; to another node');
      await ariRequest(
        'refuse caller (draining)',
        client.channels.hangup({ channelId: callId, reason: 'congestion' }),
        setUp.timeoutMs,
      ).catch(() => undefined);
      return;
    }
    log.debug({ callId, refusal }, 'call refused: the media node is at capacity');
    const reason: QueueReason =
      route.action === 'queue'
        ? route.reason
        : route.action === 'menu'
          ? 'regional-number'
          : (EdgeReason.safeParse(edgeReason).data ?? 'direct-number');
    const input: EnqueueInput = {
      callId,
      channelId: callId,
      municipalityId: route.municipalityId,
      calledNumber: route.calledNumber,
      caller: '',
      reason,
    };
    await Promise.all([
      ariRequest(
        'refuse caller (busy)',
        client.channels.hangup({ channelId: callId, reason: 'busy' }),
        setUp.timeoutMs,
      ).catch(() => undefined),
      within(
        'record the refusal',
        queue.recordEnded(input, 'rejected-capacity', arrivalFields(channel)),
        setUp.timeoutMs,
      ).catch((error: unknown) => log.warn({ err: error, callId }, 'a call refused at capacity could not be recorded')),
    ]);
  }

  /** Calls whose call-back offer this process is playing now: an offer is never made twice at once. */
  const offering = new Set<string>();

  /**
   * Whether the caller's own number (E.164: enqueue-6.lua offers nothing to others) is one the
   * municipality's dial policy lets a call-back dial. When the policy cannot be read: no offer.
   */
  async function mayCallBack(callId: string): Promise<boolean> {
    try {
      const call = await queue.get(callId);
      return !!call && (await deps.dialling.decide(call.municipalityId, 'callback', call.caller, { callId })).allowed;
    } catch (error) {
      log.warn({ err: error, callId }, 'could not ask the dial policy; no call-back offered');
      return false;
    }
  }

  /**
   * "Tryck 1" into the holding bridge (the call still waits: an operator may take it meanwhile).
   * 1 books the call-back and thanks the caller; otherwise the offer ends the call ('ended'),
   * unless it no longer waits ('stay': taken meanwhile, music again). A caller whose number the
   * dial policy refuses call-backs is not asked: the call ends as if they had declined
   * ('refused'), and they hear the message a caller without a number hears.
   */
  async function offerCallback(client: Client, callId: string): Promise<'booked' | 'ended' | 'refused' | 'stay'> {
    const allowed = await mayCallBack(callId);
    const digit =
      allowed &&
      (await media.collectDigit(client, callId, ['overflow-callback-offer'], region.region.menu.timeoutSeconds * 1000, {
        bridgeId: mediaIds.holdBridge(callId),
      }));
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
    if ((await policies.endOffer(callId)).action !== 'stay') return allowed ? 'ended' : 'refused';
    await ariRequest('resume music', client.channels.startMoh({ channelId: callId, mohClass: 'default' })).catch(
      () => undefined,
    );
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
    let offered: Awaited<ReturnType<typeof offerCallback>> | undefined;
    if (action === 'callback') {
      offering.add(callId);
      offered = await offerCallback(client, callId).finally(() => offering.delete(callId));
      if (offered === 'booked' || offered === 'stay') return;
    }
    await media.play(client, callId, [
      cause === 'no-operator'
        ? 'overflow-no-operator'
        : offered === 'ended'
          ? 'overflow-callback-unavailable'
          : 'overflow-busy',
    ]);
    await hangUp(client, callId);
  }

  /** Where the caller goes, once routed and admitted: the queue, the regional menu, or the extension of a direct number. */
  async function arrive(
    client: Client,
    channel: Channel,
    route: Exclude<CallRoute, { action: 'reject' }>,
    edgeReason: string | undefined,
    callLog: typeof log,
  ): Promise<boolean> {
    const callId = channel.id;
    const { calledNumber } = route;
    if (route.action === 'queue')
      return enqueue(client, channel, {
        municipalityId: route.municipalityId,
        calledNumber,
        reason: route.reason,
        fields: {},
      });
    if (route.action === 'menu') {
      await ariRequest('answer', client.channels.answer({ channelId: callId }));
      capacity.setUpOver(callId);
      const choice = await chooseMunicipality(client, callId, { region, media });
      if (media.hasLeft(callId)) return false;
      callLog.info(choice, 'regional menu answered');
      const fields = choice.chosen ? {} : { reasonDetail: 'no choice in the menu' };
      return enqueue(client, channel, {
        municipalityId: choice.municipalityId,
        calledNumber,
        reason: 'regional-number',
        fields,
      });
    }
    // The SIP edge already rang the extension's phones (sip-edge/edge.ts): to the queue with its reason.
    const rungByEdge = EdgeReason.safeParse(edgeReason);
    if (rungByEdge.success)
      return enqueue(client, channel, {
        municipalityId: route.municipalityId,
        calledNumber,
        reason: rungByEdge.data,
        fields: { extension: route.extension },
      });
    capacity.setUpOver(callId);
    const result = await directDial.ring(client, channel, route.extension, callerNumber(channel), () =>
      media.hasLeft(callId),
    );
    if (result.answered || 'callerGone' in result) return false;
    callLog.info(
      { extension: route.extension, reason: result.reason, detail: result.detail },
      'direct-dial number not taken; to the queue',
    );
    if (result.spoken) await sayAbsence(client, callId, result.spoken);
    const fields = { extension: route.extension, ...(result.detail ? { reasonDetail: result.detail } : {}) };
    const entry = { municipalityId: route.municipalityId, calledNumber, reason: result.reason, fields };
    if (result.messageTo && (await voiceMessage(client, channel, entry, result.messageTo))) return true;
    return enqueue(client, channel, entry);
  }

  /**
   * A phone's feature code (feature-code.ts): admitted as any caller (a draining node sends it
   * to another, 503), but no queue and no call record: it is not a citizen's call.
   */
  async function featureCode(
    client: Client,
    channel: Channel,
    dialled: string,
    extension: string | undefined,
    resumed: boolean,
  ): Promise<void> {
    const callId = channel.id;
    const refusal = resumed ? (capacity.holding(callId), undefined) : capacity.admit(callId);
    if (refusal) {
      const reason = refusal === 'draining' ? 'congestion' : 'busy';
      await ariRequest('refuse feature code', client.channels.hangup({ channelId: callId, reason })).catch(
        () => undefined,
      );
      return;
    }
    try {
      await deps.featureCodes.arrived(client, channel, dialled, { extension, resumed });
    } finally {
      capacity.setUpOver(callId);
    }
  }

  return {
    /**
     * A caller entered the Stasis app (`resumed`: found again by reconcile, admitted already).
     * Returns true when the call has a record the call flow keeps in line: put in a queue (the
     * caller may have hung up meanwhile: the call flow checks and ends it then), or ended at its
     * arrival (closed, set-up failed). False when the arrival let go of the caller without one
     * (rejected, refused, gone, talking to an extension, a phone's feature code). `extension`:
     * the SIP edge's X-Extension, for a feature code.
     */
    async callerArrived(
      client: Client,
      channel: Channel,
      dialled: string,
      {
        resumed = false,
        edgeReason,
        extension,
      }: { resumed?: boolean; edgeReason?: string | undefined; extension?: string | undefined } = {},
    ): Promise<boolean> {
      const callId = channel.id;
      if (isFeatureCodeDial(dialled)) {
        await featureCode(client, channel, dialled, extension, resumed);
        return false;
      }
      if (resumed && (await directDial.isTalking(client, callId))) return false;
      // The number called is the region's; the caller's is personal data, at debug only (src/log.ts).
      const callLog = log.child({ callId, calledNumber: dialled });
      callLog.debug({ caller: channel.caller.number }, 'caller arrived');
      const route = await routeCall(dialled, deps.findRoute, owner);
      if (route.action === 'reject') {
        callLog.info({ cause: route.cause, detail: route.detail }, 'call rejected: not a number of the region');
        await ariRequest('reject caller', client.channels.hangup({ channelId: callId, reason: 'unallocated' })).catch(
          () => undefined,
        );
        return false;
      }
      if (resumed) capacity.holding(callId);
      else {
        const refusal = capacity.admit(callId);
        if (refusal) {
          await refuse(client, channel, route, refusal, edgeReason);
          return false;
        }
      }
      try {
        return await arrive(client, channel, route, edgeReason, callLog);
      } finally {
        // Over for every path by now (the queue's ends in enqueue; a menu's or an extension's ring once it started).
        capacity.setUpOver(callId);
      }
    },
    /** Applies the maximum-wait limits (queue/policy/), as often as the overflow watch runs. */
    async sweep(client: Client): Promise<void> {
      for (const decision of await policies.sweep()) {
        void overflowed(client, decision).catch((error: unknown) =>
          log.error({ err: error, callId: decision.callId }, 'playing an overflow failed'),
        );
      }
    },

    /**
     * A caller still waiting after a start or reconnect (reconcile): a call-back offer that was
     * cut short (the call is marked for it, not moved) is made again, unless this process is
     * making it; otherwise the announcements go on.
     */
    async resumeWaiting(client: Client, call: CallRecord): Promise<void> {
      capacity.holding(call.callId);
      if (call.overflow && !call.overflowFrom)
        return overflowed(client, { callId: call.callId, action: 'callback', cause: call.overflow, position: 0 });
      await announcements.resume(client, call.callId);
    },

    /** The process stops: no announcement timer fires after it (the next process resumes them). */
    stop: () => announcements.stopAll(),

    /**
     * An operator answered the call: the greeting or announcement playing to the caller stops
     * (it plays on their channel, which Asterisk would not move until it ended) and no other comes.
     */
    silence: (client: Client, callId: string) => announcements.silence(client, callId),

    /** Registers prompt, DTMF and recording event dispatch on a (new) ARI client. */
    attach(client: Client): void {
      media.attach(client);
      deps.voiceMessages?.attach(client);
    },

    /** An extension leg of a direct-dial call answered. */
    extensionAnswered: (client: Client, leg: Channel, callId: string) => directDial.legAnswered(client, leg, callId),

    /** An extension leg is gone (ChannelDestroyed, with its Q.850 cause). */
    extensionLegDestroyed: (channelId: string, cause: number) => directDial.legEnded(channelId, cause),

    /**
     * A channel left the Stasis app. A caller: waits for them end, a ringing extension stops, a
     * talking one is hung up. An extension leg that talked: the caller is hung up. False for a
     * caller refused at capacity, who never had a call: nothing is left to end or release (in
     * a storm, every request spared counts).
     */
    async callerLeft(client: Client, callId: string): Promise<boolean> {
      if (refused.delete(callId)) return false;
      const directCall = callIdOfExtensionLeg(callId);
      if (directCall) {
        await directDial.release(client, directCall);
        return true;
      }
      media.callerLeft(callId);
      capacity.left(callId);
      announcements.stop(callId);
      await directDial.callerLeft(client, callId);
      await directDial.release(client, callId);
      return true;
    },
  };
}

export type Arrival = ReturnType<typeof createArrival>;

/** A caller's call as the queue records it: its id is the caller's channel's. */
function callerInput(channel: Channel, entry: QueueEntry): EnqueueInput {
  return {
    callId: channel.id,
    channelId: channel.id,
    municipalityId: entry.municipalityId,
    calledNumber: entry.calledNumber,
    caller: callerNumber(channel),
    reason: entry.reason,
  };
}

/**
 * The caller's number as E.164 when it parses, else as received ("anonymous" when hidden). Only
 * an E.164 caller is offered a call-back when a queue overflows (store/lua/enqueue-6.lua).
 */
export function callerNumber(channel: Channel): string {
  const raw = channel.caller.number;
  if (!raw) return 'anonymous';
  const parsed = parsePhoneNumber(raw);
  return parsed.ok ? parsed.e164 : raw;
}
