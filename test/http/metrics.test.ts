import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-app.js';
import { NORDMALING, UMEA, VANNAS } from '../support/municipalities.js';
import { caller, useRedis } from '../support/redis.js';

/**
 * GET /metrics: who may scrape it, route templates instead of raw paths, and the region's call
 * counts read from Redis, the same from any instance. The counts of real calls (answered,
 * abandoned, overflowed) through Asterisk: test/e2e/metrics.test.ts.
 */
const ctx = useRedis();
const scrapeToken = `scrape-${randomUUID()}`;
const scrapeTokenSha256 = createHash('sha256').update(scrapeToken).digest('hex');

const scrape = (t: Awaited<ReturnType<typeof buildTestApp>>, authorization?: string) =>
  t.app.request('/metrics', { headers: authorization ? { authorization } : {} });

/** The value of one sample line, e.g. sample(text, 'vaxel_redis_up'), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('answers the scrape token (only its SHA-256 configured) and API tokens that may read metrics; refuses the rest', async () => {
    const t = await buildTestApp(ctx, { metrics: { scrapeTokenSha256 } });
    const withScrapeToken = await scrape(t, `Bearer ${scrapeToken}`);
    expect(withScrapeToken.status).toBe(200);
    expect(withScrapeToken.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(await withScrapeToken.text(), 'vaxel_redis_up')).toBe(1);

    expect((await scrape(t, `Bearer ${await t.tokenFor('auditor')}`)).status).toBe(200);
    expect((await scrape(t, `Bearer ${await t.tokenFor('region-admin')}`)).status).toBe(200);
    for (const role of ['operator', 'municipality-admin'] as const) {
      const refused = await scrape(t, `Bearer ${await t.tokenFor(role, role === 'operator' ? undefined : VANNAS)}`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${scrapeToken}x`, scrapeToken]) {
      const refused = await scrape(t, authorization);
      expect(refused.status, String(authorization)).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    // Without METRICS_TOKEN_SHA256 there is no scrape token: the same secret is just unknown.
    expect((await scrape(await buildTestApp(ctx), `Bearer ${scrapeToken}`)).status).toBe(401);
  });

  it('counts HTTP requests by route template and status, never by the raw path', async () => {
    const t = await buildTestApp(ctx, { metrics: { scrapeTokenSha256 } });
    const token = await t.tokenFor('auditor');
    const callId = `+4670${Date.now() % 10_000_000}`;
    for (let i = 0; i < 3; i++) await t.call('GET', `/api/v1/calls/${encodeURIComponent(callId)}`, { auth: token });
    await t.call('GET', '/api/v1/queues', { auth: 'not-a-token' });
    // Paths no route has: counted under the pattern that answered (the 404), not their own.
    for (const path of ['/api/v1/no-such/46709990001', '/no-such-46709990002'])
      await t.call('GET', path, { auth: token });

    const text = await (await scrape(t, `Bearer ${scrapeToken}`)).text();
    expect(sample(text, 'vaxel_http_requests_total{method="GET",route="/api/v1/calls/:callId",status="404"}')).toBe(3);
    expect(sample(text, 'vaxel_http_requests_total{method="GET",route="/api/v1/*",status="401"}')).toBe(1);
    for (const raw of [callId.slice(1), '46709990001', '46709990002']) expect(text).not.toContain(raw);
    expect(text).toMatch(/^vaxel_http_requests_total\{method="GET",route="[^"]*\*[^"]*",status="404"\} [12]$/m);
    expect(text).not.toContain(token);
  });

  it('shows the region’s call counts from Redis: the same from every instance, and from one started later', async () => {
    const first = await buildTestApp(ctx, { metrics: { scrapeTokenSha256 } });
    for (const id of ['a', 'b'])
      await first.queue.recordEnded(caller(`${randomUUID()}-${id}`, VANNAS), 'rejected-capacity');
    await first.queue.recordEnded(caller(randomUUID(), VANNAS), 'closed');
    // Another instance on the same Redis, or this one after a restart.
    const second = await buildTestApp(ctx, { metrics: { scrapeTokenSha256 } });

    for (const t of [first, second]) {
      const text = await (await scrape(t, `Bearer ${scrapeToken}`)).text();
      expect(sample(text, `vaxel_calls_ended_total{municipality="${VANNAS}",outcome="rejected-capacity"}`)).toBe(2);
      expect(sample(text, `vaxel_calls_ended_total{municipality="${VANNAS}",outcome="closed"}`)).toBe(1);
      expect(sample(text, `vaxel_calls_offered_total{municipality="${VANNAS}"}`)).toBe(3);
      // Nobody waits, nobody is logged in; the caller's number is in no label.
      expect(sample(text, `vaxel_queue_waiting_calls{municipality="${VANNAS}"}`)).toBe(0);
      expect(sample(text, `vaxel_operators_serving{municipality="${VANNAS}"}`)).toBe(0);
      expect(sample(text, `vaxel_service_level_target_seconds{municipality="${VANNAS}"}`)).toBe(
        first.region.municipalities.find((m) => m.id === VANNAS)!.serviceLevelSeconds,
      );
      expect(text).not.toContain('701234567');
    }
  });

  it('counts a call for the municipality it arrived for, also when it overflowed into another’s queue (as the statistics do)', async () => {
    const t = await buildTestApp(ctx, { metrics: { scrapeTokenSha256 } });
    const callId = randomUUID();
    // Nobody serves Nordmaling: its caller goes on to Umeå's queue, and hangs up there.
    const { decision } = await t.queue.enqueue(caller(callId, NORDMALING), {
      admission: { noOperator: { kind: 'queue', municipality: UMEA } },
    });
    expect(decision.action).toBe('queue');
    expect((await t.queue.finish(callId))?.outcome).toBe('abandoned');

    const text = await (await scrape(t, `Bearer ${scrapeToken}`)).text();
    expect(sample(text, `vaxel_calls_ended_total{municipality="${NORDMALING}",outcome="abandoned"}`)).toBe(1);
    expect(text).not.toContain(`vaxel_calls_ended_total{municipality="${UMEA}"`);
  });
});
