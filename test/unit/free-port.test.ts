import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { freeUdpPort } from '../../src/lab/free-port.js';

const bind = (port: number) =>
  new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });

describe('a free UDP port for a listener that binds it later', () => {
  it('is outside the lab’s RTP ports and Linux’s ephemeral ports, and can be bound', async () => {
    const ports = await Promise.all(Array.from({ length: 10 }, () => freeUdpPort()));
    for (const port of ports) {
      expect(port).toBeGreaterThan(20_000);
      expect(port).toBeLessThan(32_768);
    }
    const socket = await bind(ports[0]!);
    socket.close();
  });
});
