import type { Channel, Client } from 'ari-client';
import { type Principal, SELF_ROLE } from '../../auth/access.js';
import type { DirectoryEntry } from '../../directory/entries/entry-schema.js';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import type { ExtensionPerson, PersonOfExtension } from '../../directory/entries/person-of-extension.js';
import { ExtensionNumberSchema } from '../../admin/fields.js';
import { log } from '../../log.js';
import {
  FEATURE_SERVICE_NUMBER,
  absenceFor,
  parseFeatureCode,
  unescapeDial,
} from '../../self-service/feature-codes.js';
import { ariRequest, isGone } from '../call-media.js';
import { mediaIds } from '../media-ids.js';
import { absenceSentence } from './absence-sentence.js';
import type { CallerMedia } from './caller-media.js';
import type { StoredTexts } from './stored-texts.js';

/** What the phone hears, in Swedish, spoken as the stored texts are (media/spoken-text/). */
export const FEATURE_CODE_TEXTS = {
  enterCode: 'Ange kod, avsluta med fyrkant.',
  badCode: 'Felaktig kod.',
  noEntry: 'Anknytningen saknar katalogpost.',
  set: 'Hänvisning satt.',
  cleared: 'Hänvisningen borttagen.',
  failed: 'Hänvisningen kunde inte sparas. Försök igen senare.',
} as const;

/** Keying a code after `*20`: the first digit within 10 s of the prompt, each next within 5 s; 20 digits at most. */
const KEYING = { end: '#', max: 20, firstMs: 10_000, nextMs: 5_000 };

/**
 * A phone's feature code (self-service/feature-codes.ts): dialled as the number (`*21*1400#`),
 * or keyed as DTMF after the service number `*20`. Sets or clears the hänvisning of the
 * directory entry the calling extension links to, through the same store call as the API and
 * the personal page (audited, role `self`), says what was done, and hangs up. The extension is
 * the SIP edge's X-Extension, the third Stasis argument: Asterisk takes calls from the edge
 * only, and the edge sets it from the phone it authenticated. Not a citizen's call: no queue,
 * no call record.
 */
export function createFeatureCodes(deps: {
  personOfExtension: PersonOfExtension;
  entries: Pick<DirectoryEntryStore, 'setAbsence'>;
  media: CallerMedia;
  texts: Pick<StoredTexts, 'mediaUri'>;
  now: () => number;
}) {
  const { media, texts, now } = deps;

  const spoken = (text: string, callId: string) => texts.mediaUri({ text, language: 'sv' }, callId);

  /** Says `text` (as playback `<callId>-code-reply`, for whoever looks) and hangs up. */
  async function sayAndHangUp(client: Client, callId: string, text: string): Promise<void> {
    await media.playSpokenElse(client, callId, await spoken(text, callId), [], {
      textPlaybackId: mediaIds.playback(callId, 'code-reply'),
    });
    await ariRequest('hang up', client.channels.hangup({ channelId: callId, reason: 'normal' })).catch(() => undefined);
  }

  return {
    /**
     * A call to a feature code. `extension`: X-Extension as the dialplan passed it; without a
     * valid one (a call that did not come through the edge from a phone) the call is refused
     * (SIP 403) unanswered. `resumed` (found again after a restart): the X-Extension is not
     * known any more, so the call is refused too; the person dials again.
     */
    async arrived(
      client: Client,
      channel: Channel,
      dialled: string,
      { extension, resumed }: { extension: string | undefined; resumed: boolean },
    ): Promise<void> {
      const callId = channel.id;
      const caller = ExtensionNumberSchema.safeParse(extension);
      const callLog = log.child({ callId, extension: caller.data });
      const refuse = (reason: 'rejected' | 'congestion') =>
        ariRequest('refuse feature code', client.channels.hangup({ channelId: callId, reason })).catch(() => undefined);
      if (resumed) {
        callLog.info('feature code call found again after a restart: its X-Extension is not known; hung up');
        return void (await refuse('rejected'));
      }
      let found: ExtensionPerson;
      try {
        found = caller.success ? await deps.personOfExtension(caller.data) : {};
      } catch (error) {
        callLog.warn({ err: error }, 'feature code: the extension could not be looked up; refused (503)');
        return void (await refuse('congestion'));
      }
      if (!found.extensionId) {
        callLog.info('feature code refused: not from an extension of the region');
        return void (await refuse('rejected'));
      }
      const answered = await ariRequest('answer', client.channels.answer({ channelId: callId })).then(
        () => true,
        (error: unknown) => {
          if (!isGone(error)) throw error;
          return false;
        },
      );
      if (!answered) return;
      if (!found.entry) {
        callLog.info('feature code: the extension links to no directory entry; nothing changed');
        return sayAndHangUp(client, callId, FEATURE_CODE_TEXTS.noEntry);
      }
      const keyed = unescapeDial(dialled) === FEATURE_SERVICE_NUMBER;
      const prompt = keyed ? await spoken(FEATURE_CODE_TEXTS.enterCode, callId) : undefined;
      const code = keyed ? await media.collectDigits(client, callId, prompt ? [prompt] : [], KEYING) : dialled;
      if (media.hasLeft(callId)) return;
      const parsed = parseFeatureCode(code);
      if (!parsed.ok) {
        callLog.info({ problem: parsed.problem, keyed: code.length }, 'feature code not understood; nothing changed');
        return sayAndHangUp(client, callId, FEATURE_CODE_TEXTS.badCode);
      }
      const { entry } = found;
      // As the personal page's session would be: only this entry, audited as the person on the phone.
      const actor: Principal = {
        id: `extension:${found.extensionId}`,
        name: `${entry.name} (anknytning ${caller.data}, telefon)`,
        role: SELF_ROLE,
        municipalityId: entry.municipalityId,
        entryId: entry.id,
      };
      let saved: DirectoryEntry;
      try {
        saved = await deps.entries.setAbsence(entry.id, absenceFor(parsed.code, now()), actor);
      } catch (error) {
        callLog.warn({ err: error }, 'feature code: the hänvisning could not be saved');
        return sayAndHangUp(client, callId, FEATURE_CODE_TEXTS.failed);
      }
      // The action only: a reason such as "sick" is the person's own business, not the log's.
      callLog.info({ action: parsed.code.action, entryId: entry.id }, 'hänvisning set from the phone');
      await sayAndHangUp(
        client,
        callId,
        saved.absence
          ? `${FEATURE_CODE_TEXTS.set} ${absenceSentence(saved.name, saved.absence, now())}`
          : FEATURE_CODE_TEXTS.cleared,
      );
    },
  };
}

export type FeatureCodes = ReturnType<typeof createFeatureCodes>;
