import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/** A TCP port that was free a moment ago (the OS picks it), for tests and the lab. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Where freeUdpPort looks: above the lab Asterisk's RTP ports (dialplans/rtp.conf, 10000–20000)
 * and below Linux's ephemeral ports (32768–60999), which the OS hands out to any socket bound to
 * port 0 (Chromium's WebRTC, DNS look-ups, SIPp's media). A port the OS picked would be one of
 * those, and could be taken by such a socket before the SIP listener it was for binds it: a test
 * that picks its carrier's port at start and listens there minutes later lost it so once.
 */
const UDP_PORTS = { from: 20_001, to: 32_767 };

/** A UDP port that was free a moment ago, for SIP listeners (Asterisk, SIPp) that bind it later. */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(UDP_PORTS.from, UDP_PORTS.to + 1);
    if (await udpPortFree(port)) return port;
  }
  throw new Error(`no free UDP port found between ${UDP_PORTS.from} and ${UDP_PORTS.to}`);
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}
