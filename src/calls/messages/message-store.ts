import { randomUUID } from 'node:crypto';
import { RESP_TYPES } from 'redis';
import { z } from 'zod';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { AppError } from '../../errors.js';
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
 * Where its e-mail to the person stands (message-delivery.ts), on messages taken while e-mail
 * delivery is on: `pending` (not tried yet), `sent`, `failed` (tried again later) or
 * `no-address` (the entry has no e-mail address: only the console has it). Kept in the hash as
 * delivery<Field>.
 */
export const DELIVERY_STATES = ['pending', 'sent', 'failed', 'no-address'] as const;
export const deliverySchema = z.object({
  state: z.enum(DELIVERY_STATES),
  attempts: ms.default(0),
  /** Why the last attempt failed, short (an SMTP error code): no address, no content, no secret. */
  lastError: z.string().optional(),
  sentAt: ms.optional(),
});
export type Delivery = z.output<typeof deliverySchema>;

/** The fields of a message; the API shows the same, with times as ISO text. */
export const messageFields = { ...messageHashSchema.shape, delivery: deliverySchema.optional() };
export type Message = z.output<typeof messageHashSchema> & { delivery?: Delivery };

function messageOf(hash: Record<string, string>): Message {
  const { deliveryState, deliveryAttempts, deliveryLastError, deliverySentAt, ...fields } = hash;
  const message = messageHashSchema.parse(fields);
  if (deliveryState === undefined) return message;
  const delivery = deliverySchema.parse({
    state: deliveryState,
    attempts: deliveryAttempts,
    lastError: deliveryLastError,
    sentAt: deliverySentAt,
  });
  return { ...message, delivery };
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
  /** Messages are sent by e-mail (SMTP_HOST is set): each new one gets a delivery state, and is due at once when its person has an address. */
  { delivering = false }: { delivering?: boolean } = {},
) {
  const recipientKey = (entryId: string) => k.messagesByRecipient(`entry:${entryId}`);

  // Binary replies as Buffers (a WAV is not UTF-8 text).
  const binary = redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });

  async function get(id: string): Promise<Message | null> {
    const hash = await redis.hGetAll(k.message(id));
    return Object.keys(hash).length === 0 ? null : messageOf(hash);
  }

  /** The entry a message is for: by id, or the one that has the extension. 404 naming the field. */
  async function recipient(input: Pick<NewMessage, 'entryId' | 'extension'>) {
    const entryId = input.entryId ?? (await redis.hGet(k.directoryExtensions(), input.extension ?? ''));
    const entry = entryId ? await entries.get(entryId) : undefined;
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
      hasEmail: entry.email !== undefined,
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
        ...(delivering ? { delivery: { state: to.hasEmail ? 'pending' : 'no-address', attempts: 0 } } : {}),
      };
      const { delivery, ...rest } = message;
      const fields = Object.fromEntries(
        Object.entries({ ...rest, deliveryState: delivery?.state, deliveryAttempts: delivery?.attempts })
          .filter(([, v]) => v !== undefined)
          .map(([f, v]) => [f, String(v)]),
      );
      const write = redis
        .multi()
        .hSet(k.message(message.id), fields)
        .zAdd(k.messagesByMunicipality(message.municipalityId), { score: at, value: message.id })
        .zAdd(recipientKey(message.entryId), { score: at, value: message.id });
      // Due at once; written with the message, so a message to send is never without its due time.
      if (input.recording) write.set(k.messageRecording(message.id), input.recording.wav);
      if (delivery?.state === 'pending') write.zAdd(k.messagesDeliveryDue(), { score: createdAt, value: message.id });
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
