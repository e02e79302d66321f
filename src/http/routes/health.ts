import { createRoute } from '@hono/zod-openapi';
import type { TokenStore } from '../../auth/token-store.js';
import { AppError } from '../../errors.js';
import type { Drain } from '../../drain.js';
import type { AriConnection } from '../../media/ari-connection.js';
import type { NodeLiveness } from '../../media/nodes/node-liveness.js';
import type { OperatorLegSettings } from '../../media/operator-leg.js';
import type { SipEdge } from '../../sip-edge/edge.js';
import type { RedisClient } from '../../store/redis-client.js';
import type { ReplicaAcks } from '../../store/replica-ack.js';
import { bearerToken } from '../auth.js';
import { ErrorSchema, apiRouter } from '../openapi.js';
import { z } from '../../validation/schema.js';

const Status = z.enum(['ok', 'degraded']);

/** Without a token: whether the switchboard can take calls, and nothing about how it is built. */
const HealthSummarySchema = z.object({ status: Status }).strict().openapi('HealthSummary');

const HealthSchema = z
  .object({
    status: Status,
    redis: z.object({
      ok: z.boolean(),
      latencyMs: z.number(),
      replication: z.object({ required: z.number().int(), confirming: z.boolean() }).optional().openapi({
        description:
          'When changes wait for replicas (Sentinel): how many, and whether they confirm (false: changes go on unconfirmed until a replica is back in step)',
      }),
    }),
    ari: z.object({
      ok: z.boolean(),
      mediaNode: z.string().optional().openapi({
        description: 'This instance’s media node (MEDIA_NODE_ID); ok: its Asterisk is connected and answers',
      }),
    }),
    mediaNodes: z
      .array(
        z.object({
          node: z.string(),
          up: z.boolean(),
          lastBeat: z.string().openapi({ description: 'ISO 8601: its last heartbeat' }),
        }),
      )
      .optional()
      .openapi({
        description:
          'Every media node of the region heard of: up while its instance has its Asterisk; one silent for MEDIA_NODE_DEAD_SECONDS has lost its calls',
      }),
    sipEdge: z
      .object({
        ok: z.boolean(),
        drachtio: z.boolean(),
        mediaNodes: z.array(z.object({ node: z.string(), healthy: z.boolean() })),
      })
      .optional()
      .openapi({
        description:
          'Only when the SIP edge runs: its drachtio-server connection and which Asterisk media nodes answer OPTIONS',
      }),
  })
  .openapi('Health', { description: 'With a valid token (any role): what is reachable, and how fast' });

const Answer = z.union([HealthSchema, HealthSummarySchema]);

const LiveSchema = z.object({ status: z.literal('live') }).openapi('Live');

const ReadySchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    notReady: z
      .array(z.enum(['redis', 'ari', 'draining']))
      .optional()
      .openapi({
        description: 'Why not: Redis does not answer, this node’s Asterisk does not, or the instance drains',
      }),
  })
  .openapi('Ready');

const live = createRoute({
  method: 'get',
  path: '/health/live',
  tags: ['Health'],
  security: [{}],
  summary: 'Liveness for orchestrators: the process answers (restart it when this fails)',
  responses: { 200: { description: 'The process answers', content: { 'application/json': { schema: LiveSchema } } } },
});

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  tags: ['Health'],
  security: [{}],
  summary: 'Readiness for load balancers: this instance may be given calls and API requests',
  description:
    'Ready when Redis and this node’s Asterisk (ARI) answer and the instance is not draining (SIGTERM: it finishes its calls, takes no new ones). ' +
    'Not ready is no reason to restart the instance (that is /health/live); a draining one stops by itself.',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
    503: { description: 'Not ready, and why', content: { 'application/json': { schema: ReadySchema } } },
  },
});

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  // No token needed; one (any role) adds the detail.
  security: [{}, { bearer: [] }],
  summary:
    'Whether what a call needs is reachable: Redis (queues, directory), Asterisk (media) and, when it runs, the SIP edge',
  description:
    'Without a token only `{"status": "ok"}` (200) or `{"status": "degraded"}` (503), for load balancers and monitors: nothing about addresses or latencies. ' +
    'With a valid token of any role, the detail (Health). A token that is unknown, revoked or expired is a 401; one that cannot be checked because Redis is down gets the summary.',
  responses: {
    200: { description: 'All reachable', content: { 'application/json': { schema: Answer } } },
    401: {
      description: 'The token sent is unknown, revoked or expired',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    503: {
      description: 'Redis, Asterisk or the SIP edge is not (fully) reachable',
      content: { 'application/json': { schema: Answer } },
    },
  },
});

export function healthRoutes(deps: {
  redis: RedisClient;
  ari: AriConnection;
  sipEdge?: Pick<SipEdge, 'state'> | undefined;
  tokens: Pick<TokenStore, 'verify'>;
  leg?: Pick<OperatorLegSettings, 'mediaNode'> | undefined;
  mediaNodes?: Pick<NodeLiveness, 'nodes'> | undefined;
  replicas?: Pick<ReplicaAcks, 'state'> | undefined;
  drain?: Pick<Drain, 'isDraining'> | undefined;
}) {
  const redisAnswers = () =>
    deps.redis
      .ping()
      .then((reply) => reply === 'PONG')
      .catch(() => false);

  /** Whether the request may see the detail: a valid token. Redis down means it cannot be told: no detail then. */
  async function detailed(header: string | undefined): Promise<boolean> {
    if (header === undefined) return false;
    const token = bearerToken(header);
    const principal = await deps.tokens.verify(token).catch(() => null);
    if (principal === undefined)
      throw new AppError(401, 'unauthenticated', 'The API token is unknown, revoked or expired');
    return principal !== null;
  }

  return apiRouter()
    .openapi(live, (c) => c.json({ status: 'live' as const }, 200))
    .openapi(ready, async (c) => {
      const notReady = [
        ...((await redisAnswers()) ? [] : ['redis' as const]),
        ...(deps.ari.isConnected() ? [] : ['ari' as const]),
        ...(deps.drain?.isDraining() ? ['draining' as const] : []),
      ];
      return notReady.length === 0
        ? c.json({ status: 'ready' as const }, 200)
        : c.json({ status: 'not-ready' as const, notReady }, 503);
    })
    .openapi(health, async (c) => {
      const showDetail = await detailed(c.req.header('authorization'));
      const started = performance.now();
      const redisOk = await redisAnswers();
      const redis = {
        ok: redisOk,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        ...(deps.replicas ? { replication: deps.replicas.state() } : {}),
      };
      const ari = { ok: deps.ari.isConnected(), ...(deps.leg ? { mediaNode: deps.leg.mediaNode } : {}) };
      const mediaNodes = showDetail && redisOk ? await deps.mediaNodes?.nodes().catch(() => undefined) : undefined;
      const edge = deps.sipEdge?.state();
      // The edge is degraded without drachtio or without any media node (calls then go to the fallback).
      const sipEdge = edge && {
        ok: edge.connected && edge.mediaNodes.some((n) => n.healthy),
        drachtio: edge.connected,
        mediaNodes: edge.mediaNodes,
      };
      const status = redis.ok && ari.ok && (sipEdge?.ok ?? true) ? ('ok' as const) : ('degraded' as const);
      const body = showDetail
        ? { status, redis, ari, ...(mediaNodes ? { mediaNodes } : {}), ...(sipEdge ? { sipEdge } : {}) }
        : { status };
      return status === 'ok' ? c.json(body, 200) : c.json(body, 503);
    });
}
