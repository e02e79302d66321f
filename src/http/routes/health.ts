import { Hono } from 'hono';
import type { AriConnection } from '../../media/ari-connection.js';
import type { RedisClient } from '../../store/redis-client.js';

/** Liveness of what a call needs: Redis (queues, directory) and Asterisk (media). 503 when either is down. */
export function healthRoutes(deps: { redis: RedisClient; ari: AriConnection }) {
  return new Hono().get('/health', async (c) => {
    const started = performance.now();
    const redisOk = await deps.redis
      .ping()
      .then((reply) => reply === 'PONG')
      .catch(() => false);
    const redis = { ok: redisOk, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    const ari = { ok: deps.ari.isConnected() };
    const ok = redis.ok && ari.ok;
    return c.json({ status: ok ? 'ok' : 'degraded', redis, ari }, ok ? 200 : 503);
  });
}
