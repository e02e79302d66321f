/**
 * A voice message: what a caller spoke after an absent person's hänvisning (media/arrival/
 * voice-message.ts), kept as a WAV beside its message (message-store.ts). Pure helpers.
 */

/** Who took a voice message (the message's `createdBy`): the switchboard's voice mailbox, not an operator. */
export const VOICE_MAILBOX = 'röstbrevlåda';

/** Shorter than this is a caller who pressed # or hung up at once: no message. */
export const MIN_RECORDING_MS = 1_000;

/** The recording's file name as the mail attaches it. */
export const RECORDING_FILE_NAME = 'rostmeddelande.wav';

/**
 * The length of a RIFF/WAVE recording's audio in ms: its data chunk's size over the format
 * chunk's bytes per second. Undefined when the bytes are not a WAV with both chunks (an empty or
 * cut file). A data size past the end (a file whose header was not rewritten) counts what is there.
 */
export function wavDurationMs(wav: Buffer): number | undefined {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
    return undefined;
  let byteRate: number | undefined;
  for (let at = 12; at + 8 <= wav.length;) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= wav.length) byteRate = wav.readUInt32LE(at + 16);
    if (id === 'data') {
      if (!byteRate) return undefined;
      const bytes = Math.min(size, wav.length - at - 8);
      return Math.round((bytes * 1000) / byteRate);
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}

/** "Röstmeddelande (0:42)": the message's text, so that every list and mail that shows a text says what it is. */
export function voiceMessageText(durationMs: number): string {
  const seconds = Math.round(durationMs / 1000);
  return `Röstmeddelande (${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')})`;
}
