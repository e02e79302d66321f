import { randomUUID } from 'node:crypto';
import { RESP_TYPES } from 'redis';
import { z } from 'zod';
import type { DirectoryEntry } from '../../directory/entries/entry-schema.js';
import type { PersonOfExtension } from '../../directory/entries/person-of-extension.js';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { AppError } from '../../errors.js';
import { classifyNumber } from '../../numbers/number-class.js';
import { publishEvent } from '../../events/event-stream.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { redisMicros, redisMillis } from '../../store/redis-clock.js';

export interface NewMessage {
  entryId?: string;
  extension?: string;
  callerName?: string;
  callerNumber?: string;
  text: string;
  callId?: string;
  /** A voice message's WAV and its length (media/arrival/voice-message.ts), stored beside the message. */
  recording?: { wav: Buffer; durationMs: number };
}

const ms = z.coerce.number().int();
/** A message taken by an operator for someone who could not take the call, as its hash in Redis holds it. */
const messageHashSchema = z.object({
  id: z.string(),
  /** The directory entry of the person (an extension given is resolved to its entry). */
  entryId: z.string(),
  recipientName: z.string(),
  extension: z.string().optional(),
  municipalityId: z.string(),
  callerName: z.string().optional(),
  callerNumber: z.string().optional(),
  text: z.string(),
  callId: z.string().optional(),
  createdAt: ms,
  createdBy: z.string(),
  handledAt: ms.optional(),
  handledBy: z.string().optional(),
  /** A voice message: the length of its recording (GET /messages/{id}/recording), present only when it has one. */
  recordingMs: ms.optional(),
});

/**
 * The ways a message reaches its person (message-delivery.ts): by e-mail to the entry's address,
 * by SMS to its first mobile number. Each has its own state on the message, kept in the hash as
 * <field><Name> (deliveryState, smsDeliveryAttempts, …) and shown in the API as <field>; e-mail's
 * names are those it had when it was the only channel, so stored messages read as before.
 */
export const DELIVERY_CHANNELS = ['email', 'sms'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export const deliveryField = { email: 'delivery', sms: 'smsDelivery' } as const satisfies Record<
  DeliveryChannel,
  string
>;

/** Where a channel's entry address is: the e-mail, or the first mobile number (E.164) of its phone numbers. */
export function deliveryAddress(
  entry: Pick<DirectoryEntry, 'email' | 'phoneNumbers'>,
  channel: DeliveryChannel,
): string | undefined {
  if (channel === 'email') return entry.email;
  return entry.phoneNumbers.find((number) => classifyNumber(number, NO_AREA_CODES).class === 'mobile');
}
/** A mobile number is one whatever the region's area codes are. */
const NO_AREA_CODES: ReadonlySet<string> = new Set();

/**
 * Where a channel's message to the person stands, on messages taken while that channel is on:
 * `pending` (not tried yet), `sent`, `failed` (tried again later) or `no-address` (the entry has
 * no address for it: only the console has it).
 */
export const DELIVERY_STATES = ['pending', 'sent', 'failed', 'no-address'] as const;
export const deliverySchema = z.object({
  state: z.enum(DELIVERY_STATES),
  attempts: ms.default(0),
  /** Why the last attempt failed, short (an SMTP error code, an HTTP status): no address, no content, no secret. */
  lastError: z.string().optional(),
  sentAt: ms.optional(),
});
export type Delivery = z.output<typeof deliverySchema>;

/** The fields of a message; the API shows the same, with times as ISO text. */
export const messageFields = {
  ...messageHashSchema.shape,
  delivery: deliverySchema.optional(),
  smsDelivery: deliverySchema.optional(),
};
export type Message = z.output<typeof messageHashSchema> & { delivery?: Delivery; smsDelivery?: Delivery };

/** The hash's fields of a channel's state. */
const stateFields = (field: string) =>
  ({
    state: `${field}State`,
    attempts: `${field}Attempts`,
    lastError: `${field}LastError`,
    sentAt: `${field}SentAt`,
  }) as const;

function messageOf(hash: Record<string, string>): Message {
  const deliveries: Partial<Record<(typeof deliveryField)[DeliveryChannel], Delivery>> = {};
  const fields = { ...hash };
  for (const channel of DELIVERY_CHANNELS) {
    const names = stateFields(deliveryField[channel]);
    const raw = Object.fromEntries(Object.entries(names).map(([name, f]) => [name, fields[f]]));
    for (const f of Object.values(names)) delete fields[f];
    if (raw.state !== undefined) deliveries[deliveryField[channel]] = deliverySchema.parse(raw);
  }
  return { ...messageHashSchema.parse(fields), ...deliveries };
}

/** Messages read per round trip when listing. */
const LIST_BATCH = 100;

/**
 * Messages for absent people, in Redis: one hash each, indexed per municipality and per
 * person (directory entry), newest first. A message is written with its indexes in one
 * MULTI, so a listing never shows half of one.
 */

export function createMessageStore(
  redis: RedisClient,
  k: Keys,
  entries: Pick<DirectoryEntryStore, 'get'>,
  /** A message for an extension is for the person it stands for. */
  personOfExtension: PersonOfExtension,
  /** The channels messages are sent on (SMTP_HOST, SMS_GATEWAY_URL): each new one gets a state on each, and is due at once where its person has an address. */
  { delivering = [] }: { delivering?: readonly DeliveryChannel[] } = {},
) {
  const recipientKey = (entryId: string) => k.messagesByRecipient(`entry:${entryId}`);

  // Binary replies as Buffers (a WAV is not UTF-8 text).
  const binary = redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });

  async function get(id: string): Promise<Message | null> {
    const hash = await redis.hGetAll(k.message(id));
    return Object.keys(hash).length === 0 ? null : messageOf(hash);
  }

  /** The entry a message is for: by id, or the person the extension stands for. 404 naming the field. */
  async function recipient(input: Pick<NewMessage, 'entryId' | 'extension'>) {
    const entry = input.entryId
      ? await entries.get(input.entryId)
      : input.extension
        ? (await personOfExtension(input.extension)).entry
        : undefined;
    if (!entry) {
      const [field, value] = input.entryId ? ['entryId', input.entryId] : ['extension', input.extension];
      throw new AppError(404, 'recipient_not_found', `body.${field}: no directory entry has ${field} ${value}`);
    }
    const name = entry.kind === 'person' ? `${entry.givenName} ${entry.familyName}` : entry.name;
    return {
      entryId: entry.id,
      municipalityId: entry.municipalityId,
      name,
      extension: entry.extension,
      has: (channel: DeliveryChannel) => deliveryAddress(entry, channel) !== undefined,
    };
  }

  return {
    get,
    recipient,

    /** A voice message's recording (WAV), null when the message has none or is gone. */
    recording: (id: string): Promise<Buffer | null> => binary.get(k.messageRecording(id)),

    /** `recording`: written with the message in one MULTI, so no message says it has one it lacks. */
    async create(input: NewMessage, createdBy: string): Promise<Message> {
      const to = await recipient(input);
      // Indexed by the microsecond, so two messages of one millisecond still list newest first.
      const at = await redisMicros(redis);
      const createdAt = Math.floor(at / 1000);
      const message: Message = {
        id: randomUUID(),
        entryId: to.entryId,
        recipientName: to.name,
        extension: to.extension,
        municipalityId: to.municipalityId,
        callerName: input.callerName,
        callerNumber: input.callerNumber,
        text: input.text,
        callId: input.callId,
        createdAt,
        createdBy,
        recordingMs: input.recording?.durationMs,
      };
      const fields: Record<string, string> = Object.fromEntries(
        Object.entries(message)
          .filter(([, v]) => v !== undefined)
          .map(([f, v]) => [f, String(v)]),
      );
      const write = redis
        .multi()
        .zAdd(k.messagesByMunicipality(message.municipalityId), { score: at, value: message.id })
        .zAdd(recipientKey(message.entryId), { score: at, value: message.id });
      for (const channel of delivering) {
        const delivery: Delivery = { state: to.has(channel) ? 'pending' : 'no-address', attempts: 0 };
        message[deliveryField[channel]] = delivery;
        const names = stateFields(deliveryField[channel]);
        Object.assign(fields, { [names.state]: delivery.state, [names.attempts]: '0' });
        // Due at once; written with the message, so a message to send is never without its due time.
        if (delivery.state === 'pending')
          write.zAdd(k.messagesDeliveryDue(channel), { score: createdAt, value: message.id });
      }
      write.hSet(k.message(message.id), fields);
      if (input.recording) write.set(k.messageRecording(message.id), input.recording.wav);
      await write.exec();
      // So consoles listing messages re-read them, as they do for calls.
      await publishEvent(redis, k, 'message.taken', message.municipalityId, {
        messageId: message.id,
        entryId: message.entryId,
      });
      return message;
    },

    /** Newest first, of one person or one municipality; `handled` filters on being handled. */
    async list(filter: {
      entryId?: string;
      municipalityId?: string;
      handled?: boolean;
      limit: number;
    }): Promise<Message[]> {
      const index = filter.entryId
        ? recipientKey(filter.entryId)
        : k.messagesByMunicipality(filter.municipalityId ?? '');
      const found: Message[] = [];
      // A page of the index at a time, its messages read in one round trip (concurrent commands are pipelined).
      for (let from = 0; found.length < filter.limit; from += LIST_BATCH) {
        const ids = await redis.zRange(index, from, from + LIST_BATCH - 1, { REV: true });
        for (const message of await Promise.all(ids.map(get))) {
          if (!message || (filter.handled !== undefined && (message.handledAt !== undefined) !== filter.handled))
            continue;
          if (filter.municipalityId && message.municipalityId !== filter.municipalityId) continue;
          if (found.push(message) >= filter.limit) break;
        }
        if (ids.length < LIST_BATCH) break;
      }
      return found;
    },

    /** Marks a message handled (once: a second time keeps who handled it first). */
    async markHandled(id: string, handledBy: string): Promise<Message | null> {
      const message = await get(id);
      if (!message) return null;
      if (message.handledAt !== undefined) return message;
      await redis.hSet(k.message(id), { handledAt: String(await redisMillis(redis)), handledBy });
      await publishEvent(redis, k, 'message.handled', message.municipalityId, {
        messageId: id,
        entryId: message.entryId,
      });
      return get(id);
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
