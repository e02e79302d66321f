import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { assertPermission } from '../../auth/access.js';
import type { TokenStore } from '../../auth/token-store.js';
import { AppError } from '../../errors.js';
import type { Metrics, ProcessState } from '../../metrics/metrics.js';
import { z } from '../../validation/schema.js';
import { bearerToken } from '../auth.js';
import { apiRouter, errors } from '../openapi.js';

const getMetrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Health'],
  summary:
    'Prometheus metrics: calls, queues, operators, set-up and ARI latency, Redis, media nodes, HTTP, the process',
  description:
    'The Prometheus text format. Needs `Authorization: Bearer <token>`: the scrape token whose SHA-256 is METRICS_TOKEN_SHA256 (it opens nothing else), or an API token with the permission metrics:read (region-admin, auditor). ' +
    'No label carries a caller’s number, a token or a raw path (docs/decisions.md, "Run it like a service (issue 15): metrics, dashboards and alerts").',
  responses: {
    200: {
      description: 'The metrics',
      content: {
        'text/plain': { schema: z.string().openapi({ example: 'vaxel_calls_offered_total{municipality="2460"} 12' }) },
      },
    },
    ...errors(401, 403),
  },
});

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** GET /metrics, for the scrape token or an API token that may read metrics. */
export function metricsRoutes(deps: ProcessState & { metrics: Metrics; tokens: Pick<TokenStore, 'verify'> }) {
  const { scrapeTokenSha256 } = deps.metrics;
  const scrapeHash = scrapeTokenSha256 === undefined ? undefined : Buffer.from(scrapeTokenSha256, 'hex');

  async function authorize(header: string | undefined): Promise<void> {
    const token = bearerToken(header);
    // Compared as hashes, in constant time, as the token store keeps API tokens (auth/token-store.ts).
    if (scrapeHash?.length === 32 && timingSafeEqual(sha256(token), scrapeHash)) return;
    const principal = await deps.tokens.verify(token);
    if (!principal)
      throw new AppError(401, 'unauthenticated', 'The token is not the scrape token, nor a known API token');
    assertPermission(principal, 'metrics:read');
  }

  return apiRouter().openapi(getMetrics, async (c) => {
    await authorize(c.req.header('authorization'));
    return c.text(await deps.metrics.scrape(deps), 200, { 'content-type': deps.metrics.contentType });
  });
}

/**
 * Times every request and counts it by method, route template (Hono's matched path, e.g.
 * /api/v1/calls/:callId: never the raw path, which may hold a number or an id) and status.
 */
export function httpMetrics(metrics: Pick<Metrics, 'observeHttp'>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    metrics.observeHttp(c.req.method, routePath(c) || 'unmatched', c.res.status, (performance.now() - started) / 1000);
  };
}
