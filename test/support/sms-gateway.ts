import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the test's SMS gateway received it. */
export interface ReceivedSms {
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/**
 * A real HTTP server on loopback standing in for an SMS gateway, keeping every POST it receives.
 * `status` is what it answers (200 until changed, e.g. to 503); `stop` and `start` again (on the
 * same port) make it go down and come back.
 */
export async function startSmsGateway() {
  const received: ReceivedSms[] = [];
  const gateway = { received, port: 0, status: 200, start, stop, url: '' };
  let server: Server | undefined;

  async function start(): Promise<void> {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        res.writeHead(gateway.status, { 'content-type': 'application/json' });
        // A body that echoes the request, as some gateways' errors do: it must not reach the message or a log.
        res.end(JSON.stringify({ error: 'unavailable', request: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(gateway.port, '127.0.0.1', () => resolve());
    });
    gateway.port = (server.address() as AddressInfo).port;
    gateway.url = `http://127.0.0.1:${gateway.port}/sms/send`;
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (!closing) return;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await start();
  return gateway;
}
