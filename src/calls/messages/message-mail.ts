import { DateTime } from 'luxon';
import { formatForDisplay } from '../../numbers/phone-number.js';
import type { Message } from './message-store.js';

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
