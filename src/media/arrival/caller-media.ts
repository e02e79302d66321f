import { randomBytes } from 'node:crypto';
import type { Client } from 'ari-client';
import { log } from '../../log.js';
import { ariRequest, isGone } from '../call-media.js';
import { mediaIds } from '../media-ids.js';

/** A prompt of dialplans/prompts/sv.txt, found on a Swedish channel as sounds/sv/regionvaxel/<name>. */
export const prompt = (name: string) => `sound:regionvaxel/${name}`;

interface PlayOptions {
  bridgeId?: string;
  playbackId?: string;
}

/**
 * How a playback ended: `failed` when Asterisk could play none of it (PlaybackFinished's state,
 * e.g. a spoken text it could not fetch), `gone` when the caller hung up or the channel or bridge
 * was gone, else `done` (played to the end, or stopped).
 */
export type PlaybackEnd = 'done' | 'failed' | 'gone';

/** What playSpokenElse played: the stored text, or the prompts in its stead; `gone` when the caller left first. */
export type SpokenOrPrompts = 'text' | 'prompts' | 'gone';

const newPlaybackId = (channelId: string) => mediaIds.promptPlayback(channelId, randomBytes(4).toString('hex'));

/** The prompts are Swedish (dialplans/prompts/sv.txt, generated into sounds/sv/). */
const PROMPT_LANGUAGE = 'sv';

const PROMPT_ENDED = Symbol('prompt ended');

/** Spoken numbers exist up to this (dialplans/prompts/sv.txt `number-{n}`). */
export const SPOKEN_NUMBERS_UP_TO = 60;

/**
 * Prompts and DTMF for callers not yet with an operator: playbacks awaited until they finish,
 * digits awaited with a timeout, and everything released at once when the caller hangs up.
 * Asterisk's events reach the waiters through one listener per event type (attach), so no
 * listener is added per call.
 */
export function createCallerMedia() {
  const playbacks = new Map<string, { channelId: string; done: (end: PlaybackEnd) => void }>();
  const digitWaiters = new Map<string, (digit: string | undefined) => void>();
  const left = new Set<string>();

  function finishPlayback(playbackId: string, end: PlaybackEnd) {
    playbacks.get(playbackId)?.done(end);
    playbacks.delete(playbackId);
  }

  /**
   * Plays the prompts in turn to the caller; resolves when done, stopped, or the caller is gone,
   * saying which. With `bridgeId` (the caller's holding bridge) the prompts are played into that
   * bridge, not on the channel: a channel's own playback holds up every other request on the
   * channel until it ends, so an operator answering mid-prompt would wait for it; a bridge's
   * playback ends with the bridge when the caller is moved to the operator.
   */
  async function play(
    client: Client,
    channelId: string,
    names: string[],
    options: PlayOptions = {},
  ): Promise<PlaybackEnd> {
    return playMedia(client, channelId, names.map(prompt), options);
  }

  /** Plays media URIs in turn (one playback: Asterisk skips an item it cannot play unseen). */
  async function playMedia(
    client: Client,
    channelId: string,
    uris: string[],
    { bridgeId, playbackId = newPlaybackId(channelId) }: PlayOptions,
  ): Promise<PlaybackEnd> {
    if (left.has(channelId)) return 'gone';
    if (uris.length === 0) return 'done';
    const finished = new Promise<PlaybackEnd>((done) => playbacks.set(playbackId, { channelId, done }));
    const media = uris.join(',');
    try {
      await ariRequest(
        'play prompt',
        // The language names the prompts' folder (sounds/sv/); a bridge's announcer would otherwise look in en/.
        bridgeId
          ? client.bridges.play({ bridgeId, media, playbackId, lang: PROMPT_LANGUAGE })
          : client.channels.play({ channelId, media, playbackId, lang: PROMPT_LANGUAGE }),
      );
    } catch (error) {
      finishPlayback(playbackId, 'gone');
      if (isGone(error)) return 'gone';
      throw error;
    }
    return finished;
  }

  /**
   * A stored text spoken (`spokenUri`, from media/spoken-text/), else the prompts `otherwise`;
   * then `then`. The text plays alone, as `textPlaybackId`: in a list Asterisk skips an item it
   * cannot fetch unseen, alone its failure shows (PlaybackFinished `failed`) and the prompts
   * stand in. Without a text (none stored, or it could not be spoken) `otherwise` and `then` play
   * as one list, as `playbackId`. Returns what the caller heard.
   */
  async function playSpokenElse(
    client: Client,
    channelId: string,
    spokenUri: string | undefined,
    otherwise: string[],
    {
      then = [],
      textPlaybackId = newPlaybackId(channelId),
      ...options
    }: PlayOptions & { then?: string[]; textPlaybackId?: string } = {},
  ): Promise<SpokenOrPrompts> {
    const text =
      spokenUri === undefined
        ? undefined
        : await playMedia(client, channelId, [spokenUri], { ...options, playbackId: textPlaybackId });
    if (text === 'gone') return 'gone';
    if (text === 'failed')
      log.warn(
        { channelId, media: spokenUri, instead: otherwise },
        'a stored text could not be played (Asterisk could not fetch it); the prompts instead',
      );
    if (text === 'done') {
      await play(client, channelId, then, options);
      return 'text';
    }
    return (await play(client, channelId, [...otherwise, ...then], options)) === 'gone' ? 'gone' : 'prompts';
  }

  return {
    play,
    playSpokenElse,

    /**
     * Plays the prompts and waits for one digit: pressed during the prompts (which then stop) or
     * within `timeoutMs` after them. Undefined when none came or the caller hung up.
     */
    async collectDigit(
      client: Client,
      channelId: string,
      names: string[],
      timeoutMs: number,
      { bridgeId }: Pick<PlayOptions, 'bridgeId'> = {},
    ): Promise<string | undefined> {
      if (left.has(channelId)) return undefined;
      const playbackId = newPlaybackId(channelId);
      let timer: NodeJS.Timeout | undefined;
      const digit = new Promise<string | undefined>((resolve) => digitWaiters.set(channelId, resolve));
      const afterPrompt = play(client, channelId, names, { bridgeId, playbackId }).then(
        () =>
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), timeoutMs);
          }),
      );
      try {
        const got = await Promise.race([digit, afterPrompt]);
        if (got !== undefined && playbacks.has(playbackId)) {
          await ariRequest('stop prompt', client.playbacks.stop({ playbackId })).catch(() =>
            finishPlayback(playbackId, 'done'),
          );
        }
        return got;
      } finally {
        clearTimeout(timer);
        digitWaiters.delete(channelId);
      }
    },

    /**
     * Plays the media URIs and collects digits until `end` (kept in the result), `max` digits, or
     * a wait running out: `firstMs` after the prompt for the first digit (which may also come
     * during it, and stops it), `nextMs` between two. Gives the digits keyed so far; '' when the
     * caller hung up.
     */
    async collectDigits(
      client: Client,
      channelId: string,
      uris: string[],
      { end, max, firstMs, nextMs }: { end: string; max: number; firstMs: number; nextMs: number },
    ): Promise<string> {
      if (left.has(channelId)) return '';
      // Digits queue up here: one keyed between two waits is not lost. undefined: the caller left.
      const queued: (string | undefined)[] = [];
      let wake: (() => void) | undefined;
      digitWaiters.set(channelId, (digit) => {
        queued.push(digit);
        wake?.();
      });
      const next = (waitMs?: number) =>
        new Promise<string | undefined>((resolve) => {
          if (queued.length > 0) return resolve(queued.shift());
          const timer = waitMs === undefined ? undefined : setTimeout(() => resolve(undefined), waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve(queued.shift());
          };
        });
      const playbackId = newPlaybackId(channelId);
      try {
        const prompt = playMedia(client, channelId, uris, { playbackId }).then((): typeof PROMPT_ENDED => PROMPT_ENDED);
        const during = await Promise.race([next(), prompt]);
        let digit = during === PROMPT_ENDED ? await next(firstMs) : during;
        if (during !== PROMPT_ENDED && playbacks.has(playbackId))
          await ariRequest('stop prompt', client.playbacks.stop({ playbackId })).catch(() =>
            finishPlayback(playbackId, 'done'),
          );
        let keyed = '';
        while (digit !== undefined) {
          keyed += digit;
          if (digit === end || keyed.length >= max) break;
          digit = await next(nextMs);
        }
        return left.has(channelId) ? '' : keyed;
      } finally {
        digitWaiters.delete(channelId);
      }
    },

    /** True once the caller hung up (their StasisEnd was seen). */
    hasLeft: (channelId: string) => left.has(channelId),

    /** Registers the event dispatch on a (new) ARI client. */
    attach(client: Client): void {
      client.on('PlaybackFinished', (event) =>
        finishPlayback(event.playback.id, event.playback.state === 'failed' ? 'failed' : 'done'),
      );
      client.on('ChannelDtmfReceived', (event, channel) => digitWaiters.get(channel.id)?.(event.digit));
    },

    /** The caller hung up: every wait for them ends now. Remembered a minute, for set-up steps still under way. */
    callerLeft(channelId: string): void {
      left.add(channelId);
      setTimeout(() => left.delete(channelId), 60_000).unref();
      digitWaiters.get(channelId)?.(undefined);
      for (const [id, playback] of playbacks) if (playback.channelId === channelId) finishPlayback(id, 'gone');
    },
  };
}

export type CallerMedia = ReturnType<typeof createCallerMedia>;
