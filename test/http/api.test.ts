import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { buildTestApp } from '../support/http-app.js';
import { useRedis } from '../support/redis.js';

const ctx = useRedis();

let t: Awaited<ReturnType<typeof buildTestApp>>;
let token: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  token = await t.tokenFor('operator', undefined, 'Anna');
});

const call = (method: string, path: string, options: { body?: unknown; auth?: string | null; raw?: string } = {}) =>
  t.call(method, path, { auth: token, ...options });
const enqueue = (callId: string, municipalityId: string) =>
  t.queue.enqueue({ callId, channelId: callId, municipalityId, calledNumber: '+4693514100', caller: '+46701234567', reason: 'main-number' });

describe('health', () => {
  it('reports Redis up and Asterisk down as degraded (503)', async () => {
    const { status, body } = await call('GET', '/health', { auth: null });
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'degraded', redis: { ok: true }, ari: { ok: false } });
  });
});

describe('authentication', () => {
  it.each([
    ['no header', null],
    ['an unknown token', 'rv_not-a-real-token'],
  ])('refuses %s with 401 JSON', async (_, auth) => {
    const { status, body } = await call('GET', '/api/v1/queues', { auth });
    expect(status).toBe(401);
    expect(body.error?.code).toBe('unauthenticated');
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await t.app.request('/api/v1/queues', { headers: { authorization: `Token ${token}` } });
    expect(response.status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const { token: old } = await t.tokens.create({ name: 'Old', role: 'operator', expiresInDays: 1 }, localActor('test'));
    expect((await call('GET', '/api/v1/queues', { auth: old })).status).toBe(200);
    // Age the stored record past its expiry, as time would.
    let aged = 0;
    for (const k of await ctx.redis.keys(`${ctx.k.prefix}:token:*`)) {
      const record = JSON.parse((await ctx.redis.get(k))!);
      if (record.name === 'Old') aged += Number(await ctx.redis.set(k, JSON.stringify({ ...record, expiresAt: new Date(Date.now() - 1000).toISOString() })) === 'OK');
    }
    expect(aged).toBe(1);
    expect((await call('GET', '/api/v1/queues', { auth: old })).status).toBe(401);
    expect((await call('GET', '/api/v1/queues')).status).toBe(200);
  });
});

describe('queues', () => {
  it('lists the seven members with empty queues, then waiting calls in order with positions', async () => {
    const empty = await call('GET', '/api/v1/queues');
    expect(empty.status).toBe(200);
    const queues = empty.body.queues as { municipality: { name: string }; calls: unknown[] }[];
    expect(queues.map((q) => q.municipality.name).sort()).toEqual(['Bjurholm', 'Nordmaling', 'Robertsfors', 'Umeå', 'Vindeln', 'Vännäs', 'Örnsköldsvik']);
    expect(queues.every((q) => q.calls.length === 0)).toBe(true);

    await enqueue('first', '2460');
    await enqueue('second', '2460');
    const { body } = await call('GET', '/api/v1/queues/2460');
    expect(body).toMatchObject({
      municipality: { id: '2460', name: 'Vännäs' },
      waitingCount: 2,
      calls: [
        { callId: 'first', position: 1, calledNumberDisplay: '0935-141 00', callerDisplay: '070-123 45 67', state: 'waiting' },
        { callId: 'second', position: 2 },
      ],
    });
  });

  it('says 404 for a municipality that is not a member and 400 naming the path field for a malformed one', async () => {
    expect(await call('GET', '/api/v1/queues/9999')).toMatchObject({ status: 404, body: { error: { code: 'municipality_not_found' } } });
    const bad = await call('GET', '/api/v1/queues/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.details?.map((d) => d.field)).toEqual(['path.municipalityId']);
  });
});

describe('operator session', () => {
  const good = { phone: 'sip:anna@10.1.2.3:5060', municipalities: ['2460', '2480'] };

  it('logs in (201), shows the session, logs out (204); before login the session is 404', async () => {
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
    const login = await call('POST', '/api/v1/operator/session', { body: good });
    expect(login).toMatchObject({ status: 201, body: { name: 'Anna', phone: good.phone, municipalities: good.municipalities, state: 'available' } });
    expect((await call('GET', '/api/v1/operator/session')).body).toMatchObject({ state: 'available' });
    expect((await call('DELETE', '/api/v1/operator/session')).status).toBe(204);
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it.each([
    [{ ...good, phone: 'anna' }, ['body.phone']],
    [{ ...good, municipalities: [] }, ['body.municipalities']],
    [{ ...good, municipalities: ['2460', '2460'] }, ['body.municipalities']],
    [{ ...good, municipalities: ['24'] }, ['body.municipalities[0]']],
    [{ ...good, extra: true }, ['body']],
    [{}, ['body.phone', 'body.municipalities']],
  ])('refuses %j with 400 naming %j', async (body, fields) => {
    const { status, body: answer } = await call('POST', '/api/v1/operator/session', { body });
    expect(status).toBe(400);
    expect(answer.error?.details?.map((d) => d.field)).toEqual(fields);
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('refuses a municipality that is not a member', async () => {
    const { status, body } = await call('POST', '/api/v1/operator/session', { body: { ...good, municipalities: ['9999'] } });
    expect(status).toBe(400);
    expect(body.error?.message).toContain('body.municipalities: 9999 is not a member municipality');
  });

  it.each(['{', 'null', '"text"', '[1,2]', '42', '{"phone": {"nested": [null]}}'])('answers malformed body %s with 400 JSON, never 500', async (raw) => {
    const { status, body } = await call('POST', '/api/v1/operator/session', { raw });
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
  });
});

describe('answering while Asterisk is unreachable', () => {
  it('answers 503 and loses nothing: the call keeps its place and the operator stays available', async () => {
    await call('POST', '/api/v1/operator/session', { body: { phone: 'sip:anna@10.1.2.3', municipalities: ['2460'] } });
    await enqueue('waiting-call', '2460');
    const { status, body } = await call('POST', '/api/v1/operator/answer-next');
    expect(status).toBe(503);
    expect(body.error?.code).toBe('ari_unavailable');
    expect((await call('GET', '/api/v1/queues/2460')).body).toMatchObject({ calls: [{ callId: 'waiting-call', position: 1, state: 'waiting' }] });
    expect((await call('GET', '/api/v1/operator/session')).body).toMatchObject({ state: 'available' });
  });
});

describe('call records', () => {
  it('shows an abandoned call with its waiting time, filters by municipality, and 404s an unknown id', async () => {
    await enqueue('gone', '2480');
    await enqueue('other', '2460');
    await t.queue.finish('gone');
    const record = await call('GET', '/api/v1/calls/gone');
    expect(record).toMatchObject({ status: 200, body: { callId: 'gone', state: 'ended', outcome: 'abandoned', municipality: { name: 'Umeå' } } });
    expect(record.body.waitSeconds).toBeGreaterThanOrEqual(0);
    const umea = await call('GET', '/api/v1/calls?municipality=2480');
    expect((umea.body.calls as { callId: string }[]).map((c) => c.callId)).toEqual(['gone']);
    expect((await call('GET', '/api/v1/calls/nope')).status).toBe(404);
  });

  it.each([
    ['limit=0', ['query.limit']],
    ['limit=abc', ['query.limit']],
    ['municipality=xx', ['query.municipality']],
    ['sort=desc', ['query']],
  ])('refuses ?%s with 400 naming %j', async (query, fields) => {
    const { status, body } = await call('GET', `/api/v1/calls?${query}`);
    expect(status).toBe(400);
    expect(body.error?.details?.map((d) => d.field)).toEqual(fields);
  });
});

describe('the API document', () => {
  it('serves OpenAPI 3.1 describing every endpoint, and a reference page, without a token', async () => {
    const response = await t.app.request('/api/openapi.json');
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/api/v1/queues', '/api/v1/queues/{municipalityId}', '/api/v1/calls', '/api/v1/operator/session', '/api/v1/operator/answer-next']),
    );
    const page = await t.app.request('/api/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/openapi.json');
  });

  it('answers an unknown path with 404 JSON', async () => {
    expect(await call('GET', '/api/v1/nothing-here')).toMatchObject({ status: 404 });
  });
});
