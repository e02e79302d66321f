import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { sleep, useRedis } from '../support/redis.js';

// Its own file, so its own redis-server: killing it disturbs no other test. Append-only with
// fsync on every write, so the kill -9 below loses nothing that was acknowledged.
const ctx = useRedis({ appendonly: true });
const SCRAPE_TOKEN = 'the-scrape-token';

/** Polls until `check` passes (the client reconnects with backoff, store/redis-client.ts). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('Redis out of reach', () => {
  it('answers 503 (health says which, the API says redis_unavailable, never 500), then works again with nothing lost', async () => {
    const t = await buildTestApp(ctx, {
      metrics: { scrapeTokenSha256: createHash('sha256').update(SCRAPE_TOKEN).digest('hex') },
    });
    const token = await t.tokenFor('operator', undefined, 'Anna');
    const auth = { auth: token };
    expect(
      (
        await t.call('POST', '/api/v1/operator/session', {
          ...auth,
          body: { phone: 'sip:anna@10.1.2.3', municipalities: ['2460'] },
        })
      ).status,
    ).toBe(201);
    await t.queue.enqueue({
      callId: 'kept',
      channelId: 'kept',
      municipalityId: '2460',
      calledNumber: '+4693514100',
      caller: '+46701234567',
      reason: 'main-number',
    });

    await ctx.server.kill();
    try {
      // The token cannot be checked either: the summary only.
      const health = await t.call('GET', '/health', auth);
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'degraded' });
      // Not ready, saying why (no Asterisk in these tests either); still live.
      expect(await t.call('GET', '/health/ready')).toMatchObject({
        status: 503,
        body: { status: 'not-ready', notReady: ['redis', 'ari'] },
      });
      expect((await t.call('GET', '/health/live')).status).toBe(200);

      const down = {
        error: { code: 'redis_unavailable', message: expect.stringContaining('(Redis) cannot be reached') },
      };
      // The token cannot even be checked: that is our outage, not the caller's 401.
      for (const [method, path, body] of [
        ['GET', '/api/v1/queues'],
        ['GET', '/api/v1/queues/2460'],
        ['GET', '/api/v1/calls/kept'],
        ['GET', '/api/v1/operator/session'],
        ['POST', '/api/v1/operator/session', { phone: 'sip:anna@10.1.2.3', municipalities: ['2480'] }],
      ] as const) {
        const answer = await t.call(method, path, { ...auth, body });
        expect(answer.status, `${method} ${path}`).toBe(503);
        expect(answer.body, `${method} ${path}`).toEqual(down);
      }
      // Without a token it is still the caller's 401: that needs no Redis.
      expect((await t.call('GET', '/api/v1/queues')).body).toMatchObject({ error: { code: 'unauthenticated' } });

      // Prometheus's scrape token needs no Redis: the metrics say Redis is down, the region's figures are left out.
      const scraped = await t.app.request('/metrics', { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } });
      const metrics = await scraped.text();
      expect(scraped.status).toBe(200);
      expect(metrics).toMatch(/^vaxel_redis_up 0$/m);
      expect(metrics).not.toMatch(/^vaxel_queue_waiting_calls\{/m);
      expect((await t.call('GET', '/metrics', auth)).body).toEqual(down);
    } finally {
      await ctx.server.restart();
    }

    await eventually(
      async () => ((await t.call('GET', '/health', auth)).body.redis as { ok: boolean } | undefined)?.ok === true,
    );
    expect((await t.call('GET', '/health/ready')).body).toEqual({ status: 'not-ready', notReady: ['ari'] });
    const queue = await t.call('GET', '/api/v1/queues/2460', auth);
    expect(queue.status).toBe(200);
    expect(queue.body).toMatchObject({ waitingCount: 1, calls: [{ callId: 'kept', position: 1, state: 'waiting' }] });
    expect((await t.call('GET', '/api/v1/operator/session', auth)).body).toMatchObject({
      name: 'Anna',
      municipalities: ['2460'],
      state: 'available',
    });
  });
});
