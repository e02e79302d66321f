import type { Client } from 'ari-client';
import type { MessageStore } from '../../calls/messages/message-store.js';
import {
  MIN_RECORDING_MS,
  VOICE_MAILBOX,
  voiceMessageText,
  wavDurationMs,
} from '../../calls/messages/voice-recording.js';
import { log } from '../../log.js';
import type { AriSettings } from '../ari-connection.js';
import { ariRequest, isGone } from '../call-media.js';
import { mediaIds } from '../media-ids.js';
import type { CallerMedia } from './caller-media.js';
import type { StoredTexts } from './stored-texts.js';

/** What the caller hears, spoken as the hänvisning is (media/spoken-text/). */
export const VOICE_MESSAGE_TEXTS = {
  offer: 'Tryck 1 för att lämna ett meddelande, eller vänta kvar så kopplas du till växeln.',
  instructions: 'Tala in ditt meddelande efter tonen. Avsluta med fyrkant eller lägg på.',
  thanks: 'Tack, ditt meddelande är lämnat.',
};

export interface VoiceMessageTiming {
  /** How long after the offer a caller may still press 1. */
  offerSeconds: number;
  /** The longest recording. */
  maxSeconds: number;
  /** Silence this long ends the recording (a caller who put the phone down without hanging up). */
  silenceSeconds: number;
}

export const DEFAULT_VOICE_MESSAGE_TIMING: VoiceMessageTiming = {
  offerSeconds: 5,
  maxSeconds: 120,
  silenceSeconds: 10,
};

/** Asterisk's request for its stored file: bounded, as every ARI request. */
const FETCH_TIMEOUT_MS = 10_000;

/**
 * A message with a key press after an absent person's hänvisning (docs/decisions.md, issue 16
 * part 2, "a message with a key press"): the offer, then Asterisk records the caller's channel
 * (ARI live recording, WAV), the app fetches the stored file over ARI's HTTP, keeps it in Redis
 * with the message (calls/messages/message-store.ts, taken by the voice mailbox) and deletes it
 * from the media node, whose disk is never the truth: a node can die.
 */
export function createVoiceMessages(deps: {
  media: Pick<CallerMedia, 'collectDigits' | 'playSpokenElse' | 'hasLeft'>;
  texts: Pick<StoredTexts, 'mediaUri'>;
  messages: Pick<MessageStore, 'create'>;
  /** Where the stored recording is fetched from and deleted (ARI's REST, not ari-client: the file is binary). */
  ari: Pick<AriSettings, 'url' | 'username' | 'password'>;
  /** A message was taken: send it now (message-delivery.ts kick). */
  taken: () => void;
  timing?: Partial<VoiceMessageTiming> | undefined;
}) {
  const { media, texts } = deps;
  const timing = { ...DEFAULT_VOICE_MESSAGE_TIMING, ...deps.timing };
  /** Recordings under way, by name: ended by RecordingFinished or RecordingFailed (then the file, if any, tells). */
  const recording = new Map<string, () => void>();

  const spoken = (text: string, callId: string) => texts.mediaUri({ text, language: 'sv' }, callId);

  function storedRecording(name: string, method: 'GET' | 'DELETE') {
    const path = `/ari/recordings/stored/${encodeURIComponent(name)}${method === 'GET' ? '/file' : ''}`;
    const basic = Buffer.from(`${deps.ari.username}:${deps.ari.password}`).toString('base64');
    return fetch(`${deps.ari.url}${path}`, {
      method,
      headers: { authorization: `Basic ${basic}` },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  }

  /** Records the caller until #, hang-up, silence or the limit; the stored file's bytes, or undefined when there is none. */
  async function recordCaller(client: Client, callId: string, name: string): Promise<Buffer | undefined> {
    const finished = new Promise<void>((settle) => recording.set(name, settle));
    try {
      await ariRequest(
        'record voice message',
        client.channels.record({
          channelId: callId,
          name,
          format: 'wav',
          maxDurationSeconds: timing.maxSeconds,
          maxSilenceSeconds: timing.silenceSeconds,
          ifExists: 'overwrite',
          beep: true,
          terminateOn: '#',
        }),
      );
    } catch (error) {
      recording.delete(name);
      if (isGone(error)) return undefined;
      throw error;
    }
    // Asterisk ends it by itself at the latest at the limit; the margin covers a lost event.
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((settle) => (timer = setTimeout(settle, (timing.maxSeconds + 10) * 1000)));
    await Promise.race([finished, limit]).finally(() => clearTimeout(timer));
    recording.delete(name);
    const response = await storedRecording(name, 'GET');
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`ARI stored recording ${name}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  return {
    /**
     * "Tryck 1 …" after the hänvisning: true when the caller pressed 1 within the time. Any other
     * key, none, a hang-up, or an offer that cannot be spoken: false, and the caller goes on to the queue.
     */
    async offer(client: Client, callId: string): Promise<boolean> {
      const offer = await spoken(VOICE_MESSAGE_TEXTS.offer, callId);
      if (!offer) return false;
      const firstMs = timing.offerSeconds * 1000;
      return (await media.collectDigits(client, callId, [offer], { end: '#', max: 1, firstMs, nextMs: 0 })) === '1';
    },

    /**
     * The instructions, the beep and the recording; then, with a recording of at least a second,
     * the message for `entryId` (the caller's number when it is E.164) and the thanks. The caller
     * is hung up by the arrival afterwards. Never throws: a failure is logged and the recording,
     * if Asterisk has it, is left there for IT staff (the log names it).
     */
    async record(client: Client, callId: string, to: { entryId: string; callerNumber: string }): Promise<void> {
      const name = mediaIds.voiceMessage(callId);
      const callLog = log.child({ callId, recording: name });
      try {
        const instructions = await spoken(VOICE_MESSAGE_TEXTS.instructions, callId);
        const heard = await media.playSpokenElse(client, callId, instructions, [], {
          textPlaybackId: mediaIds.playback(callId, 'voice-message-instructions'),
        });
        if (heard === 'gone') return;
        const wav = await recordCaller(client, callId, name);
        const durationMs = wav && wavDurationMs(wav);
        if (!wav || durationMs === undefined || durationMs < MIN_RECORDING_MS) {
          callLog.info({ durationMs }, 'voice message too short or empty; no message');
        } else {
          const message = await deps.messages.create(
            {
              entryId: to.entryId,
              ...(to.callerNumber.startsWith('+') ? { callerNumber: to.callerNumber } : {}),
              text: voiceMessageText(durationMs),
              callId,
              recording: { wav, durationMs },
            },
            VOICE_MAILBOX,
          );
          callLog.info({ messageId: message.id, entryId: to.entryId, durationMs }, 'voice message taken');
          if (message.delivery?.state === 'pending') deps.taken();
          const thanks = await spoken(VOICE_MESSAGE_TEXTS.thanks, callId);
          if (!media.hasLeft(callId))
            await media.playSpokenElse(client, callId, thanks, [], {
              textPlaybackId: mediaIds.playback(callId, 'voice-message-thanks'),
            });
        }
        // Kept in Redis now (or not worth keeping): off the media node.
        if (wav)
          await storedRecording(name, 'DELETE').catch((error: unknown) =>
            callLog.warn({ err: error }, 'a voice message’s recording could not be deleted from the media node'),
          );
      } catch (error) {
        callLog.error({ err: error }, 'voice message could not be taken; a recording stays on the media node');
      }
    },

    /** Registers the recording events on a (new) ARI client. */
    attach(client: Client): void {
      client.on('RecordingFinished', (event) => recording.get(event.recording.name)?.());
      client.on('RecordingFailed', (event) => recording.get(event.recording.name)?.());
    },
  };
}

export type VoiceMessages = ReturnType<typeof createVoiceMessages>;
