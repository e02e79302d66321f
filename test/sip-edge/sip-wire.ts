import { createHash, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect as connectTcp } from 'node:net';
import { connect } from 'node:tls';

/**
 * A phone's REGISTER written out by hand, over UDP or TLS, for the integration tests that
 * SIPp cannot play: an Authorization sent again as it was captured (another source, another
 * Request-URI, the same nonce count), a nonce kept across a restart of the edge, and TLS
 * (Debian's SIPp is built without it).
 */
export interface SipResponse {
  status: number;
  /** Header values by lower-case name (the first of each). */
  header(name: string): string | undefined;
  text: string;
}

export function parseResponse(text: string): SipResponse {
  const [head = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), header: (name) => headers.get(name.toLowerCase()), text };
}

export interface RegisterOptions {
  transport: 'UDP' | 'TLS';
  /** Where the phone sends from and is reached at. */
  localIp: string;
  localPort: number;
  extension: string;
  /** The Request-URI; the registrar's address by default. */
  uri: string;
  authorization?: string | undefined;
  /** Without: a REGISTER that only asks for the bindings (binds nothing). */
  contact?: boolean;
  /** Seconds asked for the binding (0 removes it); 300 by default. */
  expires?: number;
}

export function registerText(o: RegisterOptions): string {
  const tag = randomUUID().slice(0, 8);
  return [
    `REGISTER ${o.uri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport} ${o.localIp}:${o.localPort};branch=z9hG4bK-${randomUUID()};rport`,
    `From: <sip:${o.extension}@regionvaxel>;tag=${tag}`,
    `To: <sip:${o.extension}@regionvaxel>`,
    `Call-ID: ${randomUUID()}@${o.localIp}`,
    'CSeq: 1 REGISTER',
    ...(o.contact
      ? [
          `Contact: <sip:${o.extension}@${o.localIp}:${o.localPort};transport=${o.transport.toLowerCase()}>`,
          `Expires: ${o.expires ?? 300}`,
        ]
      : []),
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    'Max-Forwards: 70',
    'User-Agent: Regionvaxeln wire test',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The Authorization a phone knowing the password answers `challenge` (WWW-Authenticate) with, qop=auth. */
export function digestAnswer(
  challenge: string,
  {
    method = 'REGISTER',
    uri,
    username,
    password,
    nc = 1,
  }: { method?: string; uri: string; username: string; password: string; nc?: number },
): string {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const count = nc.toString(16).padStart(8, '0');
  const response = md5(
    `${md5(`${username}:${realm}:${password}`)}:${nonce}:${count}:0a4f113b:auth:${md5(`${method}:${uri}`)}`,
  );
  return `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${count}, cnonce="0a4f113b"`;
}

/** Sends one request over UDP from `fromIp` (a port of its own) and gives the final response, or undefined after `timeoutMs`. */
export async function udpRequest(
  fromIp: string,
  to: string,
  text: (localPort: number) => string,
  timeoutMs = 3_000,
): Promise<SipResponse | undefined> {
  const [host, port] = to.split(':') as [string, string];
  const socket = createSocket('udp4');
  await new Promise<void>((bound) => socket.bind(0, fromIp, bound));
  try {
    const final = new Promise<SipResponse | undefined>((answered) => {
      socket.on('message', (message) => {
        const response = parseResponse(message.toString('utf8'));
        if (response.status >= 200) answered(response);
      });
      setTimeout(() => answered(undefined), timeoutMs);
    });
    socket.send(text(socket.address().port), Number(port), host);
    return await final;
  } finally {
    socket.close();
  }
}

/** A TLS connection from `fromIp` to drachtio's TLS port (its certificate is the test's own, not checked): requests in turn, each answered by its final response. */
export async function tlsConnection(fromIp: string, to: string) {
  const [host, port] = to.split(':') as [string, string];
  // The TCP connection from the phone's address; TLS over it.
  const tcp = connectTcp({ host, port: Number(port), localAddress: fromIp });
  const socket = connect({ socket: tcp, rejectUnauthorized: false });
  await new Promise<void>((ready, failed) => socket.once('secureConnect', ready).once('error', failed));
  let buffered = '';
  const waiting: ((response: SipResponse) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    // Whole messages only: the head, then Content-Length bytes of body.
    for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
      const length = Number(/^content-length:\s*(\d+)/im.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const response = parseResponse(buffered.slice(0, end + 4 + length));
      buffered = buffered.slice(end + 4 + length);
      if (response.status >= 200) waiting.shift()?.(response);
    }
  });
  return {
    localPort: tcp.localPort!,
    request(text: string, timeoutMs = 3_000): Promise<SipResponse> {
      return new Promise((answered, failed) => {
        const timer = setTimeout(() => failed(new Error('no SIP response over TLS')), timeoutMs);
        waiting.push((response) => {
          clearTimeout(timer);
          answered(response);
        });
        socket.write(text);
      });
    },
    close: () => socket.destroy(),
  };
}
