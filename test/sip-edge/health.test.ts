import { describe, expect, it } from 'vitest';
import { healthRoutes } from '../../src/http/routes/health.js';
import type { AriConnection } from '../../src/media/ari-connection.js';
import type { SipEdgeState } from '../../src/sip-edge/edge.js';
import type { RedisClient } from '../../src/store/redis-client.js';

const redis = { ping: async () => 'PONG' } as unknown as RedisClient;
const ari = { isConnected: () => true } as unknown as AriConnection;

async function health(sipEdge?: SipEdgeState) {
  const response = await healthRoutes({ redis, ari, ...(sipEdge ? { sipEdge: { state: () => sipEdge } } : {}) }).request('/health');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/health with the SIP edge', () => {
  it('has no sipEdge part when no edge runs', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('sipEdge');
  });

  it('shows drachtio and each media node; ok with drachtio connected and a healthy node', async () => {
    const mediaNodes = [{ node: 'ast-a:5080', healthy: true }, { node: 'ast-b:5080', healthy: false }];
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
});
