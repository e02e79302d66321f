import type { Client } from 'ari-client';
import type { CallQueue } from '../../queue/call-queue.js';
import type { QueuePolicies } from '../../queue/policy/queue-policy.js';
import { log } from '../../log.js';
import { ariRequest } from '../call-media.js';
import { mediaIds } from '../media-ids.js';
import { SPOKEN_NUMBERS_UP_TO, type CallerMedia } from './caller-media.js';
import { queueAnnouncement, queueGreetingPrompt } from './caller-prompts.js';
import type { StoredTexts } from './stored-texts.js';

/** A waiting call as an announcement needs it. */
export interface Waiting {
  /** The queue it waits in (it may have overflowed into another municipality's). */
  municipalityId: string;
  /** The municipality called, whose stored texts the caller hears (as the operator greets in its name). */
  calledId: string;
  position: number;
}

/** What `say` plays, by the name its playback gets (`<callId>-<what>`). */
const ANNOUNCEMENT_KINDS = ['greeting', 'moved', 'position'] as const;

/** What one announcement plays: shipped prompts, then a stored text's media URI (resolved before the music stops). */
interface Announcement {
  prompts: string[];
  spokenUri?: string | undefined;
}

/**
 * What a waiting caller hears: the municipality's greeting first, then music, and every
 * `announceEverySeconds` (queue policy) their position and, when recent calls tell it, the
 * expected wait in minutes (queue/policy: the mean wait of calls answered in the last hour),
 * then the next of the municipality's stored queue announcements (admin/greetings.ts), if any.
 * The music stops for a prompt and starts again after it, only while the call still waits.
 * The timers live in this process: after a restart reconcile resumes them (`resume`).
 */
export function createAnnouncements(deps: {
  queue: CallQueue;
  policies: QueuePolicies;
  media: CallerMedia;
  texts: StoredTexts;
  now: () => number;
}) {
  const { queue, policies, media, texts, now } = deps;
  const timers = new Map<string, NodeJS.Timeout>();
  /** The playback under way per call, to stop it when the call overflows or is answered (silence removes it, so nothing more plays). */
  const current = new Map<string, string>();
  /**
   * Calls this process took over from one that stopped (resume): a playback that process began
   * may still run on the channel, and Asterisk will not move the caller to an operator until it
   * ends, so silence stops it by its name (the names are fixed per call for that).
   */
  const adopted = new Set<string>();

  /** The call while it waits, else undefined. Two reads whatever the queue's length: thousands may wait in a storm. */
  async function waiting(callId: string): Promise<Waiting | undefined> {
    const call = await queue.get(callId);
    if (call?.state !== 'waiting') return undefined;
    const position = await queue.positionOf(call.municipalityId, callId);
    return position === undefined
      ? undefined
      : { municipalityId: call.municipalityId, calledId: call.overflowFrom ?? call.municipalityId, position };
  }

  /**
   * Plays to the caller as playback `<callId>-<what>` (named, so Asterisk shows which prompt
   * plays, and a later process can stop it: ANNOUNCEMENT_KINDS), a stored text after it as `<callId>-<what>-text`; a text that cannot be played is
   * skipped (logged). Returns the queue the call waits in, if it still does. On the caller's
   * channel, in their holding bridge: a playback into the bridge would cost Asterisk an
   * announcer channel per announcement (half again a call's set-up, measured); one on the
   * channel holds up moving it until it ends, so an operator's answer stops it first (silence).
   * `setUpNow`: the call was just set up (call-set-up.ts) and waits as said; its music is the
   * holding bridge's, which pauses for the announcement and resumes by itself (call-media.ts
   * holdCaller), so nothing is read or asked of Asterisk but the playback. Otherwise the caller
   * may hear music of their own channel (put in holding by call control), stopped and restarted here.
   */
  async function say(
    client: Client,
    callId: string,
    what: (typeof ANNOUNCEMENT_KINDS)[number],
    announcement: (call: Waiting) => Promise<Announcement>,
    setUpNow?: Waiting,
  ): Promise<string | undefined> {
    const now1 = setUpNow ?? (await waiting(callId));
    if (!now1 || media.hasLeft(callId)) return undefined;
    // Read and spoken while the music still plays: the caller hears no longer gap than for prompts alone.
    const { prompts, spokenUri } = await announcement(now1);
    if (!setUpNow)
      await ariRequest('stop music', client.channels.stopMoh({ channelId: callId })).catch(() => undefined);
    const playbackId = mediaIds.playback(callId, what);
    current.set(callId, playbackId);
    await media.play(client, callId, prompts, { playbackId });
    const textPlaybackId = mediaIds.textPlayback(playbackId);
    if (spokenUri !== undefined && current.get(callId) === playbackId) {
      current.set(callId, textPlaybackId);
      await media.playSpokenElse(client, callId, spokenUri, [], { textPlaybackId });
    }
    // Unless silenced meanwhile, and perhaps already playing what comes instead.
    if (current.get(callId) === playbackId || current.get(callId) === textPlaybackId) current.delete(callId);
    // Music again only while the call still waits: an operator may have taken it meanwhile.
    if (!setUpNow && (await waiting(callId)) && !media.hasLeft(callId)) {
      await ariRequest('resume music', client.channels.startMoh({ channelId: callId, mohClass: 'default' })).catch(
        () => undefined,
      );
    }
    return now1.municipalityId;
  }

  async function positionPrompts(municipalityId: string, position: number): Promise<string[]> {
    if (position > SPOKEN_NUMBERS_UP_TO) return [];
    const prompts = ['position-before', `number-${position}`, 'position-after'];
    const expected = await policies.expectedWaitMs(municipalityId, now());
    if (expected === undefined) return prompts;
    const minutes = Math.min(SPOKEN_NUMBERS_UP_TO, Math.max(1, Math.ceil(expected / 60_000)));
    return [...prompts, 'wait-before', `number-${minutes}`, minutes === 1 ? 'wait-minute' : 'wait-minutes'];
  }

  async function schedule(client: Client, callId: string, municipalityId: string, count = 1): Promise<void> {
    const seconds = (await policies.policyOf(municipalityId)).announceEverySeconds;
    const timer = setTimeout(() => {
      timers.delete(callId);
      void say(client, callId, 'position', async ({ municipalityId, calledId, position }) => {
        const [prompts, stored] = await Promise.all([
          positionPrompts(municipalityId, position),
          texts.of(calledId, callId),
        ]);
        return { prompts, spokenUri: await texts.mediaUri(queueAnnouncement(stored, count), callId) };
      })
        .then(async (stillIn) => {
          if (stillIn) await schedule(client, callId, stillIn, count + 1);
        })
        .catch((error: unknown) => log.warn({ err: error, callId }, 'announcement failed'));
    }, seconds * 1000);
    timer.unref();
    // One chain per call, whoever scheduled last (an arrival and a resume may meet).
    clearTimeout(timers.get(callId));
    timers.set(callId, timer);
  }

  function stop(callId: string): void {
    clearTimeout(timers.get(callId));
    timers.delete(callId);
    adopted.delete(callId);
  }

  return {
    /**
     * The municipality's greeting now (or, for a call moved here from another queue, "Ditt samtal
     * kopplas vidare"), announcements from then on. `waiting`: the call was just set up and
     * waits so (see say).
     */
    start(
      client: Client,
      callId: string,
      { moved = false, waiting: setUpNow }: { moved?: boolean; waiting?: Waiting } = {},
    ): void {
      stop(callId);
      void say(
        client,
        callId,
        moved ? 'moved' : 'greeting',
        async ({ municipalityId }) => ({ prompts: [moved ? 'overflow-moved' : queueGreetingPrompt(municipalityId)] }),
        setUpNow,
      )
        .then(async (stillIn) => {
          // The interval is read each time: a changed policy applies to callers already waiting.
          if (stillIn) await schedule(client, callId, stillIn);
        })
        .catch((error: unknown) => log.warn({ err: error, callId }, 'greeting failed'));
    },

    /**
     * Announcements again for a caller who waits with none scheduled (this process started or
     * reconnected after the call arrived): from the next interval on, without the greeting they
     * heard already. The count starts again at 1, so the stored texts start again from the first.
     */
    async resume(client: Client, callId: string): Promise<void> {
      if (timers.has(callId)) return;
      const now1 = await waiting(callId);
      if (now1 && !current.has(callId)) adopted.add(callId);
      if (now1) await schedule(client, callId, now1.municipalityId);
    },

    /** No more announcements for the call (it left or hung up). */
    stop,

    /** No more announcements for any call: the process stops (the next one resumes them). */
    stopAll(): void {
      for (const callId of [...timers.keys()]) stop(callId);
    },

    /** As stop, and the prompt under way stops too: the caller is about to hear something else. */
    async silence(client: Client, callId: string): Promise<void> {
      const playbackId = current.get(callId);
      const unknownPlayback = !playbackId && adopted.has(callId);
      stop(callId);
      current.delete(callId);
      const playbackIds = playbackId
        ? [playbackId]
        : unknownPlayback
          ? ANNOUNCEMENT_KINDS.flatMap((what) => [
              mediaIds.playback(callId, what),
              mediaIds.textPlayback(mediaIds.playback(callId, what)),
            ])
          : [];
      await Promise.all(
        playbackIds.map((id) =>
          ariRequest('stop announcement', client.playbacks.stop({ playbackId: id })).catch(() => undefined),
        ),
      );
    },
  };
}
