import { randomBytes } from 'node:crypto';
import type { Client } from 'ari-client';
import { ariRequest, isGone } from '../call-media.js';

/** A prompt of dialplans/prompts/sv.txt, found on a Swedish channel as sounds/sv/regionvaxel/<name>. */
export const prompt = (name: string) => `sound:regionvaxel/${name}`;

interface PlayOptions {
  bridgeId?: string;
  playbackId?: string;
}

const newPlaybackId = (channelId: string) => `${channelId}-pb-${randomBytes(4).toString('hex')}`;

/** The prompts are Swedish (dialplans/prompts/sv.txt, generated into sounds/sv/). */
const PROMPT_LANGUAGE = 'sv';

/** Spoken numbers exist up to this (dialplans/prompts/sv.txt `number-{n}`). */
export const SPOKEN_NUMBERS_UP_TO = 60;

/**
 * Prompts and DTMF for callers not yet with an operator: playbacks awaited until they finish,
 * digits awaited with a timeout, and everything released at once when the caller hangs up.
 * Asterisk's events reach the waiters through one listener per event type (attach), so no
 * listener is added per call.
 */
export function createCallerMedia() {
  const playbacks = new Map<string, { channelId: string; done: () => void }>();
  const digitWaiters = new Map<string, (digit: string | undefined) => void>();
  const left = new Set<string>();

  function finishPlayback(playbackId: string) {
    playbacks.get(playbackId)?.done();
    playbacks.delete(playbackId);
  }

  /**
   * Plays the prompts in turn to the caller; resolves when done, stopped, or the caller is gone.
   * With `bridgeId` (the caller's holding bridge) the prompts are played into that bridge, not on
   * the channel: a channel's own playback holds up every other request on the channel until it
   * ends, so an operator answering mid-prompt would wait for it; a bridge's playback ends with
   * the bridge when the caller is moved to the operator.
   */
  async function play(client: Client, channelId: string, names: string[], { bridgeId, playbackId = newPlaybackId(channelId) }: PlayOptions = {}): Promise<void> {
    if (left.has(channelId) || names.length === 0) return;
    const finished = new Promise<void>((done) => playbacks.set(playbackId, { channelId, done }));
    const media = names.map(prompt).join(',');
    try {
      await ariRequest(
        'play prompt',
        // The language names the prompts' folder (sounds/sv/); a bridge's announcer would otherwise look in en/.
        bridgeId ? client.bridges.play({ bridgeId, media, playbackId, lang: PROMPT_LANGUAGE }) : client.channels.play({ channelId, media, playbackId, lang: PROMPT_LANGUAGE }),
      );
    } catch (error) {
      finishPlayback(playbackId);
      if (isGone(error)) return;
      throw error;
    }
    await finished;
  }

  return {
    play,

    /**
     * Plays the prompts and waits for one digit: pressed during the prompts (which then stop) or
     * within `timeoutMs` after them. Undefined when none came or the caller hung up.
     */
    async collectDigit(client: Client, channelId: string, names: string[], timeoutMs: number, { bridgeId }: Pick<PlayOptions, 'bridgeId'> = {}): Promise<string | undefined> {
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
          await ariRequest('stop prompt', client.playbacks.stop({ playbackId })).catch(() => finishPlayback(playbackId));
        }
        return got;
      } finally {
        clearTimeout(timer);
        digitWaiters.delete(channelId);
      }
    },

    /** True once the caller hung up (their StasisEnd was seen). */
    hasLeft: (channelId: string) => left.has(channelId),

    /** Registers the event dispatch on a (new) ARI client. */
    attach(client: Client): void {
      client.on('PlaybackFinished', (event) => finishPlayback(event.playback.id));
      client.on('ChannelDtmfReceived', (event, channel) => digitWaiters.get(channel.id)?.(event.digit));
    },

    /** The caller hung up: every wait for them ends now. Remembered a minute, for set-up steps still under way. */
    callerLeft(channelId: string): void {
      left.add(channelId);
      setTimeout(() => left.delete(channelId), 60_000).unref();
      digitWaiters.get(channelId)?.(undefined);
      for (const [id, playback] of playbacks) if (playback.channelId === channelId) finishPlayback(id);
    },
  };
}

export type CallerMedia = ReturnType<typeof createCallerMedia>;
