import { DateTime } from 'luxon';
import { formatForDisplay } from '../../numbers/phone-number.js';
import type { ChannelSender } from './message-delivery.js';
import type { Message } from './message-store.js';

/** SMS_*: the HTTP SMS gateway messages are sent through (docs/decisions.md, "Messages reach the person"). */
export interface SmsGatewaySettings {
  /** Where the JSON body is POSTed. */
  url: string;
  /** The JSON body with {{to}} (E.164), {{text}} and optionally {{from}} inside its strings (smsBodyTemplateProblem). */
  bodyTemplate: string;
  /** The Authorization header's value: a secret, never logged nor kept in a failure's reason. */
  authorization?: string | undefined;
  /** The sender shown on the phone (an alphanumeric sender id, ≤ 11 characters). */
  from?: string | undefined;
}

/** A gateway that does not answer within this fails the attempt, well within the delivery lease. */
const SMS_TIMEOUT_MS = 10_000;

/** One SMS's length in GSM 03.38 characters: a longer one is sent in parts (and costs more). */
export const SMS_LENGTH = 160;

const PLACEHOLDER = /\{\{(\w*)\}\}/g;
const PLACEHOLDERS = new Set(['to', 'text', 'from']);

/** The template with each placeholder replaced by its value JSON-escaped, so no value can break out of its string. */
export function fillSmsBody(template: string, values: Record<'to' | 'text' | 'from', string>): string {
  return template.replace(PLACEHOLDER, (_, name: 'to' | 'text' | 'from') => JSON.stringify(values[name]).slice(1, -1));
}

/**
 * What is wrong with an SMS_GATEWAY_BODY, if anything: it must hold {{to}} and {{text}}, no
 * other placeholder, and be JSON once filled, with the placeholders inside strings (a value is
 * filled in escaped, never as JSON of its own).
 */
export function smsBodyTemplateProblem(template: string): string | undefined {
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = names.find((name) => !PLACEHOLDERS.has(name));
  if (unknown !== undefined) return `has an unknown placeholder {{${unknown}}}: only {{to}}, {{text}} and {{from}}`;
  for (const needed of ['to', 'text'])
    if (!names.includes(needed)) return `must contain {{${needed}}}, e.g. {"to":"{{to}}","message":"{{text}}"}`;
  // A value with a quote and a backslash: it parses only where the placeholder sits inside a string.
  const probe = 'a"b\\c';
  try {
    JSON.parse(fillSmsBody(template, { to: probe, text: probe, from: probe }));
  } catch {
    return 'must be JSON with each placeholder inside a string, e.g. {"to":"{{to}}","message":"{{text}}"}';
  }
  return undefined;
}

/**
 * The SMS telling a person someone called, short enough for one SMS where it can be: who (name
 * and number in national format), when (weekday, date, time), for which municipality, and the
 * start of the message, e.g. "Växeln: Per Ek (070-123 45 67) ringde fre 5/12 14.05 (Umeå): Ring
 * tillbaka om bygglovet". The message is cut with "..." to fit; the console has it whole.
 */
export function messageSms(message: Message, municipalityName: string): string {
  const number = message.callerNumber && formatForDisplay(message.callerNumber);
  const caller =
    message.callerName && number ? `${message.callerName} (${number})` : (message.callerName ?? number ?? 'Okänd');
  const when = DateTime.fromMillis(message.createdAt, { zone: 'Europe/Stockholm', locale: 'sv' }).toFormat(
    'ccc d/M HH.mm',
  );
  const head = `Växeln: ${caller} ringde ${when} (${municipalityName}): `;
  const text = message.text.replace(/\s+/g, ' ').trim();
  const room = SMS_LENGTH - head.length;
  if (text.length <= room) return head + text;
  return head + text.slice(0, Math.max(0, room - 3)).trimEnd() + '...';
}

/** Why a request did not reach the gateway: the error's code (ECONNREFUSED, TimeoutError), never its text. */
function networkReason(error: unknown): string {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError') return 'TIMEOUT';
  return typeof cause?.code === 'string' ? cause.code.slice(0, 40) : 'ERROR';
}

/**
 * Sends messages by SMS through the HTTP gateway (message-delivery.ts's SMS channel): a POST of
 * the filled template; a 2xx is sent, anything else a failure kept as its status only ("HTTP
 * 503": a gateway's body may echo the number or the text). Redirects are refused: the
 * Authorization header must go to the configured URL and nowhere else.
 */
export function createSmsSender(settings: SmsGatewaySettings): ChannelSender {
  const headers = {
    'content-type': 'application/json',
    ...(settings.authorization === undefined ? {} : { authorization: settings.authorization }),
  };
  return {
    async send(message, to, municipalityName) {
      const body = fillSmsBody(settings.bodyTemplate, {
        to,
        text: messageSms(message, municipalityName),
        from: settings.from ?? '',
      });
      try {
        const response = await fetch(settings.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
        });
        // Read to the end so the connection is released; only the status matters.
        await response.arrayBuffer();
        return response.ok ? undefined : `HTTP ${response.status}`;
      } catch (error) {
        return networkReason(error);
      }
    },
    close: () => undefined,
  };
}
