import { createTransport } from 'nodemailer';
import type { DirectoryEntryStore } from '../../directory/entries/entry-store.js';
import { publishEvent } from '../../events/event-stream.js';
import { log } from '../../log.js';
import { type PeriodicJob, runPeriodically } from '../../periodic-job.js';
import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import { redisMillis } from '../../store/redis-clock.js';
import { runScript } from '../../store/scripts.js';
import { messageMail } from './message-mail.js';
import type { MessageStore } from './message-store.js';
import { RECORDING_FILE_NAME } from './voice-recording.js';

/** SMTP_*: the mail server messages are sent through. `tls`: implicit TLS (465), STARTTLS required, or none (a lab). */
export interface SmtpSettings {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
  auth?: { user: string; password: string } | undefined;
  from: string;
}

export interface DeliveryTiming {
  /** How often due messages are looked for (a new one is sent at once, not at the next look). */
  pollMs: number;
  /** The wait after the first failed attempt; doubled after each further one, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claimed message is this instance's to send: longer than any SMTP exchange (the timeouts below). */
  leaseMs: number;
}

export const DEFAULT_DELIVERY_TIMING: DeliveryTiming = {
  pollMs: 5_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
  leaseMs: 120_000,
};

/** nodemailer's connection, greeting and socket timeouts: a hung server fails the attempt well within the lease. */
const SMTP_TIMEOUT_MS = 20_000;

/** The wait before attempt `attempt + 1` after `attempt` failed: exponential, capped. */
export function retryDelay(attempt: number, { retryBaseMs, retryMaxMs }: DeliveryTiming): number {
  return Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

/** A failed attempt's reason as kept on the message and logged: nodemailer's code and the SMTP reply code, no text (it may quote addresses). */
function shortReason(error: unknown): string {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const reason = [typeof code === 'string' ? code : 'ERROR', typeof responseCode === 'number' ? responseCode : '']
    .join(' ')
    .trim();
  return reason.slice(0, 60);
}

/**
 * Sends messages for absent people by e-mail (docs/decisions.md, "Messages reach the person").
 * A message to send is in {p}:messages:delivery-due with the time its next attempt is due; a
 * periodic job (and a kick when one is taken) claims due ones one at a time by script, so
 * several instances never send one at once, and a restart loses nothing: the set is in Redis.
 * A failed attempt is due again after an exponential backoff; the message stays either way
 * (retention removes it, as any message, after MESSAGE_RETENTION_DAYS). Logs say which message
 * and how it went, never to whom or what.
 */
export function createMessageDelivery(deps: {
  redis: RedisClient;
  k: Keys;
  messages: Pick<MessageStore, 'get' | 'recording'>;
  entries: Pick<DirectoryEntryStore, 'get'>;
  municipalityName: (id: string) => string;
  smtp: SmtpSettings;
  timing?: Partial<DeliveryTiming> | undefined;
}) {
  const { redis, k, smtp } = deps;
  const timing = { ...DEFAULT_DELIVERY_TIMING, ...deps.timing };
  const deliveryLog = log.child({ component: 'message-delivery' });
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'implicit',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    auth: smtp.auth && { user: smtp.auth.user, pass: smtp.auth.password },
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });

  async function claim(): Promise<{ messageId: string; attempt: number } | undefined> {
    const reply = await runScript(
      redis.messageDeliveryClaim([k.messagesDeliveryDue()], [k.prefix, String(timing.leaseMs)]),
      () => undefined,
    );
    if (!Array.isArray(reply)) return undefined;
    return { messageId: String(reply[0]), attempt: Number(reply[1]) };
  }

  /** Records the outcome; a message removed meanwhile, or taken over after this lease ran out, is no longer this attempt's. */
  async function report(messageId: string, attempt: number, outcome: 'sent' | 'failed' | 'no-address', reason = '') {
    const retryAt = outcome === 'failed' ? (await redisMillis(redis)) + retryDelay(attempt, timing) : 0;
    try {
      await runScript(
        redis.messageDeliveryReport(
          [k.messagesDeliveryDue()],
          [k.prefix, messageId, String(attempt), outcome, String(retryAt), reason],
        ),
        () => undefined,
      );
    } catch (error) {
      deliveryLog.warn({ messageId, attempt, err: error }, 'message delivery outcome not recorded');
      return;
    }
    deliveryLog.info({ messageId, attempt, outcome, ...(reason ? { reason } : {}) }, 'message delivery');
    const message = await deps.messages.get(messageId);
    // So consoles re-read the message and its delivery state, as for message.taken.
    if (message)
      await publishEvent(redis, k, 'message.delivery', message.municipalityId, {
        messageId,
        entryId: message.entryId,
        state: outcome,
      });
  }

  async function deliver(messageId: string, attempt: number): Promise<void> {
    const message = await deps.messages.get(messageId);
    if (!message) return;
    // The address now, not when the message was taken: a corrected entry is used on the next try.
    const to = (await deps.entries.get(message.entryId))?.email;
    if (!to) return report(messageId, attempt, 'no-address');
    const mail = messageMail(message, deps.municipalityName(message.municipalityId));
    try {
      const recording = message.recordingMs === undefined ? null : await deps.messages.recording(messageId);
      const attachments = recording
        ? [{ filename: RECORDING_FILE_NAME, content: recording, contentType: 'audio/wav' }]
        : [];
      await transport.sendMail({ from: smtp.from, to, subject: mail.subject, text: mail.text, attachments });
    } catch (error) {
      return report(messageId, attempt, 'failed', shortReason(error));
    }
    await report(messageId, attempt, 'sent');
  }

  /** Sends every message due now, one claim at a time, until none is due or the job stops. */
  async function deliverDue(signal?: AbortSignal): Promise<void> {
    for (let next = await claim(); next && !signal?.aborted; next = await claim())
      await deliver(next.messageId, next.attempt);
  }

  let job: PeriodicJob | undefined;
  return {
    deliverDue,
    start(): void {
      job ??= runPeriodically('sending messages by e-mail', deliverDue, timing.pollMs);
    },
    /** A message was taken: send it now rather than at the next look (not waited for). */
    kick(): void {
      void job?.runNow();
    },
    async stop(): Promise<void> {
      await job?.stop();
      job = undefined;
      transport.close();
    },
  };
}

export type MessageDelivery = ReturnType<typeof createMessageDelivery>;
