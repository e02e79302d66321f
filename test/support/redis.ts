import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../../src/lab/redis-server.js';
import type { EnqueueInput } from '../../src/queue/call-queue.js';
import { keys, type Keys } from '../../src/store/keys.js';
import { connectRedis, type RedisNodeClient as RedisClient } from '../../src/store/redis-client.js';

export interface RedisTestContext {
  /** The file's redis-server. */
  server: RedisServer;
  /** Connected for the current test. */
  redis: RedisClient;
  /** This test's own key prefix (test-<uuid>), so tests never see each other's data. */
  k: Keys;
  /** Another connection to the file's server, closed after the test (for truly concurrent commands). */
  connect(): Promise<RedisClient>;
}

/**
 * Call at the top of a test file: starts one real redis-server for the file and gives each
 * test a fresh key prefix and connected client. The context's fields are filled in by the
 * hooks, so read them inside tests, not at the file's top level.
 */
export function useRedis(options: RedisServerOptions = {}): RedisTestContext {
  const ctx = {} as RedisTestContext;
  let clients: RedisClient[] = [];

  ctx.connect = async () => {
    const client = await connectRedis(ctx.server.url, { name: 'test' });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    ctx.server = await startRedisServer(options);
  });
  afterAll(async () => {
    await ctx.server?.stop();
  });

  beforeEach(async () => {
    ctx.k = keys(`test-${randomUUID()}`);
    ctx.redis = await ctx.connect();
  });
  afterEach(async () => {
    if (ctx.redis.isReady) {
      for await (const batch of ctx.redis.scanIterator({ MATCH: `${ctx.k.prefix}:*`, COUNT: 1000 })) {
        if (batch.length > 0) await ctx.redis.unlink(batch);
      }
    }
    await Promise.all(clients.map((client) => (client.isOpen ? client.close() : undefined)));
    clients = [];
  });

  return ctx;
}

export { BJURHOLM, NORDMALING, UMEA } from './municipalities.js';

/** A caller in `municipalityId`'s queue; the channel id is the call id, as Asterisk gives it. */
export function caller(callId: string, municipalityId: string): EnqueueInput {
  return {
    callId,
    channelId: callId,
    municipalityId,
    calledNumber: '+4693214000',
    caller: '+46701234567',
    reason: 'main-number',
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
