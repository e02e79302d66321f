import { createRoute } from '@hono/zod-openapi';
import type { AriConnection } from '../../media/ari-connection.js';
import type { RedisClient } from '../../store/redis-client.js';
import { apiRouter, z } from '../openapi.js';

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    redis: z.object({ ok: z.boolean(), latencyMs: z.number() }),
    ari: z.object({ ok: z.boolean() }),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  security: [],
  summary: 'Whether what a call needs is reachable: Redis (queues, directory) and Asterisk (media)',
  responses: {
    200: { description: 'All reachable', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'Redis or Asterisk cannot be reached', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export function healthRoutes(deps: { redis: RedisClient; ari: AriConnection }) {
  return apiRouter().openapi(health, async (c) => {
    const started = performance.now();
    const redisOk = await deps.redis
      .ping()
      .then((reply) => reply === 'PONG')
      .catch(() => false);
    const redis = { ok: redisOk, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    const ari = { ok: deps.ari.isConnected() };
    const ok = redis.ok && ari.ok;
    return ok ? c.json({ status: 'ok' as const, redis, ari }, 200) : c.json({ status: 'degraded' as const, redis, ari }, 503);
  });
}
