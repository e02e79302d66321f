import type { GreetingDoc, GreetingStore } from '../../admin/greetings.js';
import { log } from '../../log.js';
import type { SpokenTexts } from '../spoken-text/spoken-texts.js';
import type { StoredText } from './caller-prompts.js';

/**
 * The texts IT staff stored for a municipality (admin/greetings.ts: closed message, queue
 * announcements), read and spoken when a caller is to hear them. A failure (Redis, espeak-ng)
 * is logged and leaves the caller the shipped prompts: a stored text is never worth a failed call.
 */
export function createStoredTexts(deps: {
  greetings: Pick<GreetingStore, 'get'>;
  spokenTexts: Pick<SpokenTexts, 'mediaUri'>;
}) {
  return {
    /** The municipality's stored texts, read as the operator's answer reads its greeting; undefined when none are stored or they cannot be read. */
    async of(municipalityId: string, callId: string): Promise<GreetingDoc | undefined> {
      try {
        return (await deps.greetings.get(municipalityId))?.doc;
      } catch (error) {
        log.warn({ err: error, callId, municipalityId }, 'could not read the stored texts; the prompts instead');
        return undefined;
      }
    },

    /** The media URI of a stored text (spoken now unless it was before); undefined when there is none or it cannot be spoken. */
    async mediaUri(stored: StoredText | undefined, callId: string): Promise<string | undefined> {
      if (!stored) return undefined;
      try {
        return await deps.spokenTexts.mediaUri(stored.text, stored.language);
      } catch (error) {
        log.warn(
          { err: error, callId, language: stored.language },
          'a stored text could not be spoken; the prompts instead',
        );
        return undefined;
      }
    },
  };
}

export type StoredTexts = ReturnType<typeof createStoredTexts>;
