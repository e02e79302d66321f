import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../src/auth/token-store.js';
import { handleError } from '../../src/http/errors.js';
import { healthRoutes } from '../../src/http/routes/health.js';
import type { AriConnection } from '../../src/media/ari-connection.js';
import type { SipEdgeState } from '../../src/sip-edge/edge.js';
import type { RedisClient } from '../../src/store/redis-client.js';

// The decision alone, on stand-ins: test/http/api.test.ts asks the real app on a real Redis.
const redis = { ping: async () => 'PONG' } as unknown as RedisClient;
const ari = { isConnected: () => true } as unknown as AriConnection;
const auditor = { id: 'a1', name: 'Monitor', role: 'auditor', createdAt: '', createdBy: '' } satisfies TokenRecord;
const tokens = { verify: async (token: string) => (token === 'valid' ? auditor : undefined) };

/** `authorization` null: no header. */
async function health(sipEdge?: SipEdgeState, authorization: string | null = 'Bearer valid') {
  const app = healthRoutes({ redis, ari, tokens, ...(sipEdge ? { sipEdge: { state: () => sipEdge } } : {}) }).onError(
    handleError,
  );
  const response = await app.request('/health', {
    headers: authorization === null ? {} : { authorization },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/health with the SIP edge', () => {
  it('has no sipEdge part when no edge runs', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('sipEdge');
  });

  it('shows drachtio and each media node to a token; ok with drachtio connected and a healthy node', async () => {
    const mediaNodes = [
      { node: 'ast-a:5080', healthy: true },
      { node: 'ast-b:5080', healthy: false },
    ];
    const { status, body } = await health({ connected: true, mediaNodes });
    expect(status).toBe(200);
    expect(body.sipEdge).toEqual({ ok: true, drachtio: true, mediaNodes });
  });

  it('is degraded (503) without drachtio, or with no healthy media node', async () => {
    expect((await health({ connected: false, mediaNodes: [{ node: 'a', healthy: true }] })).status).toBe(503);
    const noNode = await health({ connected: true, mediaNodes: [{ node: 'a', healthy: false }] });
    expect(noNode.status).toBe(503);
    expect(noNode.body).toMatchObject({ status: 'degraded', sipEdge: { ok: false, drachtio: true } });
  });

  it('says only ok or degraded without a token: no media node addresses, no latencies', async () => {
    const mediaNodes = [{ node: 'ast-a:5080', healthy: true }];
    expect(await health({ connected: true, mediaNodes }, null)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await health({ connected: true, mediaNodes: [{ node: 'ast-a:5080', healthy: false }] }, null)).toEqual({
      status: 503,
      body: { status: 'degraded' },
    });
  });

  it('refuses a token it does not know with 401, rather than answering as if none was sent', async () => {
    const { status, body } = await health({ connected: true, mediaNodes: [] }, 'Bearer revoked');
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await health(undefined, 'Basic abc')).status).toBe(401);
  });
});
