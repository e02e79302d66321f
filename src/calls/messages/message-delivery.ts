import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { publishEvent } from '../../events/event-stream.js';
import { log } from '../../log.js';
import { type PeriodicJob, runPeriodically } from '../../periodic-job.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { redisMillis } from '../../store/redis-clock.js';
import { runScript } from '../../store/scripts.js';
import { createMailSender, type SmtpSettings } from './message-mail.js';
import { createSmsSender, type SmsGatewaySettings } from './message-sms.js';
import {
  type DeliveryChannel,
  type Message,
  type MessageStore,
  deliveryAddress,
  deliveryField,
} from './message-store.js';

/**
 * How one channel sends a message to an address (the entry's, message-store.ts deliveryAddress):
 * resolves to undefined once the other end took it, else to the failure's short reason (an
 * error code or status: no address, no content, no secret), kept on the message and logged.
 */
export interface ChannelSender {
  send(message: Message, to: string, municipalityName: string): Promise<string | undefined>;
  close(): void;
}

export interface DeliveryTiming {
  /** How often due messages are looked for (a new one is sent at once, not at the next look). */
  pollMs: number;
  /** The wait after the first failed attempt; doubled after each further one, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claimed message is this instance's to send: longer than any send's timeout (message-mail.ts, message-sms.ts). */
  leaseMs: number;
}

export const DEFAULT_DELIVERY_TIMING: DeliveryTiming = {
  pollMs: 5_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
  leaseMs: 120_000,
};

/** The wait before attempt `attempt + 1` after `attempt` failed: exponential, capped. */
export function retryDelay(attempt: number, { retryBaseMs, retryMaxMs }: DeliveryTiming): number {
  return Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

/** The channels messages are sent on and how (SMTP_*, SMS_*), and the job's timing. */
export interface DeliverySettings {
  /** E-mail is sent when given. */
  smtp?: SmtpSettings | undefined;
  /** SMS is sent when given. */
  sms?: SmsGatewaySettings | undefined;
  timing?: Partial<DeliveryTiming> | undefined;
}

/** The channels `settings` turn on: each new message gets a state on each (message-store.ts). */
export function deliveryChannels(settings: DeliverySettings | undefined): DeliveryChannel[] {
  return [...(settings?.smtp ? (['email'] as const) : []), ...(settings?.sms ? (['sms'] as const) : [])];
}

/**
 * Sends messages for absent people by e-mail and SMS (docs/decisions.md, "Messages reach the
 * person"), each channel the same way: a message to send on it is in the channel's
 * {p}:messages:delivery-due[:sms] with the time its next attempt is due; a periodic job (and a
 * kick when one is taken) claims due ones one at a time by script, so several instances never
 * send one at once, and a restart loses nothing: the sets are in Redis. A failed attempt is due
 * again after an exponential backoff; the message stays either way (retention removes it, as
 * any message, after MESSAGE_RETENTION_DAYS). Logs say which message, which channel and how it
 * went, never to whom or what.
 */
export function createMessageDelivery(
  deps: DeliverySettings & {
    redis: RedisClient;
    k: Keys;
    messages: Pick<MessageStore, 'get' | 'recording'>;
    entries: Pick<DirectoryEntryStore, 'get'>;
    municipalityName: (id: string) => string;
  },
) {
  const { redis, k } = deps;
  const timing = { ...DEFAULT_DELIVERY_TIMING, ...deps.timing };
  const deliveryLog = log.child({ component: 'message-delivery' });
  const senders: [DeliveryChannel, ChannelSender][] = [];
  if (deps.smtp) senders.push(['email', createMailSender(deps.smtp, deps.messages.recording)]);
  if (deps.sms) senders.push(['sms', createSmsSender(deps.sms)]);

  async function claim(channel: DeliveryChannel): Promise<{ messageId: string; attempt: number } | undefined> {
    const reply = await runScript(
      redis.messageDeliveryClaim(
        [k.messagesDeliveryDue(channel)],
        [k.prefix, String(timing.leaseMs), deliveryField[channel]],
      ),
      () => undefined,
    );
    if (!Array.isArray(reply)) return undefined;
    return { messageId: String(reply[0]), attempt: Number(reply[1]) };
  }

  /** Records the outcome; a message removed meanwhile, or taken over after this lease ran out, is no longer this attempt's. */
  async function report(
    channel: DeliveryChannel,
    messageId: string,
    attempt: number,
    outcome: 'sent' | 'failed' | 'no-address',
    reason = '',
  ) {
    const retryAt = outcome === 'failed' ? (await redisMillis(redis)) + retryDelay(attempt, timing) : 0;
    try {
      await runScript(
        redis.messageDeliveryReport(
          [k.messagesDeliveryDue(channel)],
          [k.prefix, messageId, String(attempt), outcome, String(retryAt), reason, deliveryField[channel]],
        ),
        () => undefined,
      );
    } catch (error) {
      deliveryLog.warn({ messageId, channel, attempt, err: error }, 'message delivery outcome not recorded');
      return;
    }
    deliveryLog.info({ messageId, channel, attempt, outcome, ...(reason ? { reason } : {}) }, 'message delivery');
    const message = await deps.messages.get(messageId);
    // So consoles re-read the message and its delivery state, as for message.taken.
    if (message)
      await publishEvent(redis, k, 'message.delivery', message.municipalityId, {
        messageId,
        entryId: message.entryId,
        channel,
        state: outcome,
      });
  }

  async function deliver(channel: DeliveryChannel, sender: ChannelSender, messageId: string, attempt: number) {
    const message = await deps.messages.get(messageId);
    if (!message) return;
    // The address now, not when the message was taken: a corrected entry is used on the next try.
    const entry = await deps.entries.get(message.entryId);
    const to = entry && deliveryAddress(entry, channel);
    if (!to) return report(channel, messageId, attempt, 'no-address');
    const failure = await sender.send(message, to, deps.municipalityName(message.municipalityId));
    await report(channel, messageId, attempt, failure === undefined ? 'sent' : 'failed', failure);
  }

  /**
   * Sends every message due now, one claim at a time per channel, until none is due or the job
   * stops. The channels side by side: a mail server that hangs (20 s a try) holds no SMS back.
   */
  async function deliverDue(signal?: AbortSignal): Promise<void> {
    await Promise.all(
      senders.map(async ([channel, sender]) => {
        for (let next = await claim(channel); next && !signal?.aborted; next = await claim(channel))
          await deliver(channel, sender, next.messageId, next.attempt);
      }),
    );
  }

  let job: PeriodicJob | undefined;
  return {
    deliverDue,
    start(): void {
      job ??= runPeriodically('sending messages', deliverDue, timing.pollMs);
    },
    /** A message was taken: send it now rather than at the next look (not waited for). */
    kick(): void {
      void job?.runNow();
    },
    async stop(): Promise<void> {
      await job?.stop();
      job = undefined;
      for (const [, sender] of senders) sender.close();
    },
  };
}

export type MessageDelivery = ReturnType<typeof createMessageDelivery>;
