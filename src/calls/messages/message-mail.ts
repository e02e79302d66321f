import { DateTime } from 'luxon';
import { createTransport } from 'nodemailer';
import { formatForDisplay } from '../../numbers/phone-number.js';
import type { ChannelSender } from './message-delivery.js';
import type { Message } from './message-store.js';
import { RECORDING_FILE_NAME } from './voice-recording.js';

/** SMTP_*: the mail server messages are sent through. `tls`: implicit TLS (465), STARTTLS required, or none (a lab). */
export interface SmtpSettings {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
  auth?: { user: string; password: string } | undefined;
  from: string;
}

/** nodemailer's connection, greeting and socket timeouts: a hung server fails the attempt well within the lease. */
const SMTP_TIMEOUT_MS = 20_000;

/** A failed attempt's reason as kept on the message and logged: nodemailer's code and the SMTP reply code, no text (it may quote addresses). */
function shortReason(error: unknown): string {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const reason = [typeof code === 'string' ? code : 'ERROR', typeof responseCode === 'number' ? responseCode : '']
    .join(' ')
    .trim();
  return reason.slice(0, 60);
}

/**
 * Sends messages by e-mail through the SMTP server (message-delivery.ts's e-mail channel); the
 * password is only in the transport's options. A voice message's recording (read by `recording`)
 * goes with it as a WAV attachment.
 */
export function createMailSender(
  smtp: SmtpSettings,
  recording: (messageId: string) => Promise<Buffer | null>,
): ChannelSender {
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
  return {
    async send(message, to, municipalityName) {
      const mail = messageMail(message, municipalityName);
      try {
        const wav = message.recordingMs === undefined ? null : await recording(message.id);
        const attachments = wav ? [{ filename: RECORDING_FILE_NAME, content: wav, contentType: 'audio/wav' }] : [];
        await transport.sendMail({ from: smtp.from, to, subject: mail.subject, text: mail.text, attachments });
        return undefined;
      } catch (error) {
        return shortReason(error);
      }
    },
    close: () => transport.close(),
  };
}

/** The mail a message is sent as: plain text, in Swedish, to be read on a phone. */
export interface MessageMail {
  subject: string;
  text: string;
}

/** "fredag 5 december 2026 kl. 14.05": when the caller called, in the region's time. */
function calledAt(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'Europe/Stockholm', locale: 'sv' }).toFormat("cccc d LLLL yyyy 'kl.' HH.mm");
}

/**
 * The mail telling a person (or a function mailbox) that someone called while they were away:
 * who (name, number in national format), when, for which municipality, and what they said. The
 * caller's name, else their number, else "Okänd uppringare", names them in the subject.
 */
export function messageMail(message: Message, municipalityName: string): MessageMail {
  const number = message.callerNumber && formatForDisplay(message.callerNumber);
  const caller = message.callerName ?? number ?? 'Okänd uppringare';
  const lines = [
    `Hej ${message.recipientName}!`,
    '',
    'Växeln har tagit emot ett meddelande till dig.',
    '',
    `Från: ${message.callerName ?? 'namn ej angivet'}`,
    `Telefonnummer: ${number ?? 'okänt'}`,
    `När: ${calledAt(message.createdAt)}`,
    `Kommun: ${municipalityName}`,
    '',
    'Meddelande:',
    message.text,
    // A voice message's recording goes with the mail (message-delivery.ts).
    ...(message.recordingMs === undefined ? [] : ['', 'Inspelningen är bifogad som ljudfil.']),
    '',
    '-- ',
    'Skickat automatiskt av växeln. Svara inte på det här mejlet; ring upp den som sökte dig.',
  ];
  return { subject: `Meddelande från växeln: ${caller} ringde`, text: lines.join('\n') };
}
