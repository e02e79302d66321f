import { createRoute } from '@hono/zod-openapi';
import type { AriConnection } from '../../media/ari-connection.js';
import type { SipEdge } from '../../sip-edge/edge.js';
import type { RedisClient } from '../../store/redis-client.js';
import { apiRouter, z } from '../openapi.js';

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    redis: z.object({ ok: z.boolean(), latencyMs: z.number() }),
    ari: z.object({ ok: z.boolean() }),
    sipEdge: z
      .object({ ok: z.boolean(), drachtio: z.boolean(), mediaNodes: z.array(z.object({ node: z.string(), healthy: z.boolean() })) })
      .optional()
      .openapi({ description: 'Only when the SIP edge runs: its drachtio-server connection and which Asterisk media nodes answer OPTIONS' }),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  security: [],
  summary: 'Whether what a call needs is reachable: Redis (queues, directory), Asterisk (media) and, when it runs, the SIP edge',
  responses: {
    200: { description: 'All reachable', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'Redis or Asterisk cannot be reached', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export function healthRoutes(deps: { redis: RedisClient; ari: AriConnection; sipEdge?: Pick<SipEdge, 'state'> | undefined }) {
  return apiRouter().openapi(health, async (c) => {
    const started = performance.now();
    const redisOk = await deps.redis
      .ping()
      .then((reply) => reply === 'PONG')
      .catch(() => false);
    const redis = { ok: redisOk, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    const ari = { ok: deps.ari.isConnected() };
    const edge = deps.sipEdge?.state();
    // The edge is degraded without drachtio or without any media node (calls then go to the fallback).
    const sipEdge = edge && { ok: edge.connected && edge.mediaNodes.some((n) => n.healthy), drachtio: edge.connected, mediaNodes: edge.mediaNodes };
    const ok = redis.ok && ari.ok && (sipEdge?.ok ?? true);
    const body = { redis, ari, ...(sipEdge ? { sipEdge } : {}) };
    return ok ? c.json({ status: 'ok' as const, ...body }, 200) : c.json({ status: 'degraded' as const, ...body }, 503);
  });
}
