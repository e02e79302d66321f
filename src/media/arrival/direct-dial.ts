import type { Channel, Client } from 'ari-client';
import type { QueueReason } from '../../calls/call-record.js';
import { currentAbsence } from '../../directory/entries/entry-schema.js';
import type { PersonOfExtension } from '../../directory/entries/person-of-extension.js';
import type { ContactStore } from '../../extensions/contact-store.js';
import { log } from '../../log.js';
import { formatForDisplay } from '../../numbers/phone-number.js';
import { ariRequest, isGone } from '../call-media.js';
import { absenceSentence } from './absence-sentence.js';
import { EXTENSION_LEG_ARG, callIdOfExtensionLeg, legAppArgs, mediaIds } from '../media-ids.js';

/** How a direct-dial attempt ended: the extension talks with the caller, or the call goes to the queue with this reason. */
export type DirectDialResult =
  | { answered: true }
  /**
   * `spoken`: for an absent person, their hänvisning as the caller is to hear it before the queue;
   * `messageTo`: their entry, when it has an e-mail address a voice message can reach (voice-message.ts).
   */
  | { answered: false; reason: QueueReason; detail?: string; spoken?: string; messageTo?: string }
  | { answered: false; callerGone: true };

/** Q.850 cause 17: the phone said busy. */
const USER_BUSY = 17;

interface Ringing {
  legs: Set<string>;
  causes: number[];
  settle(result: DirectDialResult): void;
}

/**
 * Direct-dial numbers: rings every registered contact of the extension (ContactStore) at once
 * for the configured ring time. The first to answer is bridged with the caller; the others stop
 * ringing. Busy, no answer, no registered phone, or an absence status ("hänvisning") on the
 * extension's directory entry → the call goes to the municipality's queue with that reason.
 * The caller hears ringing meanwhile (not answered until then).
 */
export function createDirectDial(deps: {
  /** The person an extension stands for, whose hänvisning a caller hears (directory/entries/person-of-extension.ts). */
  personOfExtension: PersonOfExtension;
  contacts: ContactStore;
  app: string;
  /** pjsip endpoint that dials a phone by its SIP URI (dialplans/pjsip.conf), as transfers do. */
  endpoint: string;
  ringSeconds: number;
  now: () => number;
}) {
  const { personOfExtension, contacts, app, endpoint, ringSeconds, now } = deps;
  const ringing = new Map<string, Ringing>();
  /** Callers talking to an extension (answered here, or found so after a start): only their end has a direct bridge to release. */
  const talking = new Set<string>();

  /** The absence on the extension's directory entry if the person is away now: as the operator reads it, and as the caller hears it. */
  async function absenceOf(
    extension: string,
  ): Promise<{ detail: string; spoken: string; messageTo?: string } | undefined> {
    const { entry } = await personOfExtension(extension);
    const absence = entry ? currentAbsence(entry, now()) : null;
    if (!entry || !absence) return undefined;
    const detail = [absence.reason, absence.text && `: ${absence.text}`, absence.until && ` (until ${absence.until})`]
      .filter(Boolean)
      .join('');
    return {
      detail,
      spoken: absenceSentence(entry.name, absence, now()),
      ...(entry.email ? { messageTo: entry.id } : {}),
    };
  }

  async function hangUp(client: Client, channelId: string) {
    await ariRequest('hang up extension leg', client.channels.hangup({ channelId })).catch(() => undefined);
  }

  return {
    /** `callerLeft` tells whether the caller hung up meanwhile (their StasisEnd came before the ringing was set up). */
    async ring(
      client: Client,
      caller: Channel,
      extension: string,
      callerNumber: string,
      callerLeft: () => boolean,
    ): Promise<DirectDialResult> {
      const callId = caller.id;
      const callLog = log.child({ callId, extension });
      const absence = await absenceOf(extension);
      if (absence) return { answered: false, reason: 'extension-absent', ...absence };
      const phones = await contacts.contacts(extension);
      if (phones.length === 0) return { answered: false, reason: 'extension-not-registered' };
      if (callerLeft()) return { answered: false, callerGone: true };

      const result = new Promise<DirectDialResult>((resolve) => {
        ringing.set(callId, {
          legs: new Set(phones.map((_, i) => mediaIds.extensionLeg(callId, i + 1))),
          causes: [],
          settle(outcome) {
            ringing.delete(callId);
            resolve(outcome);
          },
        });
      });
      await ariRequest('ring caller', client.channels.ring({ channelId: callId })).catch(() => undefined);
      await Promise.all(
        phones.map(async (phone, i) => {
          const channelId = mediaIds.extensionLeg(callId, i + 1);
          try {
            await ariRequest(
              'ring extension',
              client.channels.originate({
                endpoint: `PJSIP/${endpoint}/${phone}`,
                app,
                appArgs: legAppArgs(EXTENSION_LEG_ARG, callId),
                channelId,
                callerId: `"${formatForDisplay(callerNumber)}" <${callerNumber}>`,
                timeout: ringSeconds,
              }),
            );
          } catch (error) {
            callLog.warn({ phone, reason: (error as Error).message }, 'could not ring an extension phone');
            this.legEnded(channelId, 0);
          }
        }),
      );
      callLog.info({ phones: phones.length, ringSeconds }, 'ringing the extension of a direct-dial number');
      return result;
    },

    /** An extension leg answered (it entered Stasis): the first one is bridged with the caller, any other is hung up. */
    async legAnswered(client: Client, leg: Channel, callId: string): Promise<void> {
      const state = ringing.get(callId);
      if (!state || !state.legs.has(leg.id)) return hangUp(client, leg.id);
      state.legs.delete(leg.id);
      await Promise.all([...state.legs].map((other) => hangUp(client, other)));
      state.settle({ answered: true });
      talking.add(callId);
      const bridgeId = mediaIds.directBridge(callId);
      try {
        await ariRequest('answer caller', client.channels.answer({ channelId: callId }));
        await ariRequest('create direct bridge', client.bridges.create({ type: 'mixing', bridgeId, name: bridgeId }));
        await ariRequest(
          'bridge caller and extension',
          client.bridges.addChannel({ bridgeId, channel: [callId, leg.id] }),
        );
        log.info({ callId, extensionLeg: leg.id }, 'direct-dial call answered by the extension');
      } catch (error) {
        if (!isGone(error)) throw error;
        await this.release(client, callId);
      }
    },

    /** An extension leg ended before answering (ChannelDestroyed): when the last one has, the result is busy or no answer. */
    legEnded(channelId: string, cause: number): void {
      const callId = callIdOfExtensionLeg(channelId);
      const state = callId ? ringing.get(callId) : undefined;
      if (!state?.legs.delete(channelId)) return;
      state.causes.push(cause);
      if (state.legs.size > 0) return;
      state.settle({
        answered: false,
        reason: state.causes.includes(USER_BUSY) ? 'extension-busy' : 'extension-no-answer',
      });
    },

    /** The caller hung up while the extension rang: stop ringing. */
    async callerLeft(client: Client, callId: string): Promise<void> {
      const state = ringing.get(callId);
      if (!state) return;
      state.settle({ answered: false, callerGone: true });
      await Promise.all([...state.legs].map((leg) => hangUp(client, leg)));
    },

    /** Either side of an answered direct-dial call hung up: the other side and the bridge go too. */
    async release(client: Client, callId: string): Promise<void> {
      if (!talking.delete(callId)) return;
      const bridgeId = mediaIds.directBridge(callId);
      const bridge = await ariRequest('read direct bridge', client.bridges.get({ bridgeId })).catch(() => undefined);
      if (!bridge) return;
      await Promise.all([...bridge.channels, callId].map((channelId) => hangUp(client, channelId)));
      await ariRequest('destroy direct bridge', client.bridges.destroy({ bridgeId })).catch(() => undefined);
    },

    /** After a restart: a caller already talking to an extension is left alone. */
    async isTalking(client: Client, callId: string): Promise<boolean> {
      const found = Boolean(
        await ariRequest('read direct bridge', client.bridges.get({ bridgeId: mediaIds.directBridge(callId) })).catch(
          () => undefined,
        ),
      );
      if (found) talking.add(callId);
      return found;
    },
  };
}

export type DirectDial = ReturnType<typeof createDirectDial>;
