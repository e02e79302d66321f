import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the test's SMTP server received it: envelope, headers and body decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The parts after the text (a voice message's recording), decoded. */
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** RFC 2047 encoded words ("=?UTF-8?Q?...?=") as text. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replaceAll('_', ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
}

/** One MIME entity: its headers (folded lines joined) and its body. */
function entity(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1] ?? '';
  return { header, body: raw.slice(split + 4) };
}

/**
 * A mail as message-delivery.ts sends it: its subject, its text, and (multipart/mixed) the
 * parts after the text as attachments (base64, as nodemailer encodes binary content).
 */
function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to'> {
  const mail = entity(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(mail.header('Content-Type'))?.[1];
  const [first, ...rest] = boundary
    ? mail.body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((part) => entity(part.replace(/^\r\n/, '')))
    : [mail];
  const encoding = first!.header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(first!.body)
      : encoding === 'base64'
        ? Buffer.from(first!.body, 'base64').toString('utf8')
        : first!.body;
  const attachments = rest.map((part) => ({
    filename: /filename="?([^";]+)"?/i.exec(part.header('Content-Disposition'))?.[1] ?? '',
    contentType: part.header('Content-Type').split(';')[0]!.trim(),
    content: Buffer.from(part.body, 'base64'),
  }));
  return { subject: decodeWords(mail.header('Subject')), text: text.replace(/\r\n/g, '\n').trimEnd(), attachments };
}

/**
 * A real SMTP server on loopback (plain, no auth: SMTP_TLS=none), keeping what it receives.
 * `stop` and `start` again (on the same port) make it go down and come back.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;

  async function start(): Promise<void> {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            ...parseMail(Buffer.concat(chunks).toString('utf8')),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  }

  await start();
  return { received, port, start, stop };
}
