import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/lab/redis-server.js';

describe('startRedisServer', () => {
  const originalPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = originalPath;
  });

  it('says what to install when redis-server is missing', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startRedisServer()).rejects.toThrow(/redis-server was not found on PATH.*Install Redis/);
  });

  it('reports the server output when it cannot start', async () => {
    const first = await startRedisServer();
    try {
      await expect(startRedisServer({ port: first.port })).rejects.toThrow(
        /exited .* before it was ready[\s\S]*(in use|bind)/i,
      );
    } finally {
      await first.stop();
    }
  });

  it('removes its temporary data directory on stop, and refuses to restart after it', async () => {
    const server = await startRedisServer();
    expect(existsSync(server.dir)).toBe(true);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/was stopped/);
  });
});
