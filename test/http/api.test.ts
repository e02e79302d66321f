import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { priorityClassifier } from '../../src/queue/priority.js';
import { buildTestApp } from '../support/http-app.js';
import { sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

let t: Awaited<ReturnType<typeof buildTestApp>>;
let token: string;

beforeEach(async () => {
  t = await buildTestApp(ctx);
  token = await t.tokenFor('operator', undefined, 'Anna');
});

const call = (method: string, path: string, options: { body?: unknown; auth?: string | null; raw?: string } = {}) =>
  t.call(method, path, { auth: token, ...options });

/** The main numbers of config/region.yaml, E.164, as Asterisk hands them to the queue. */
const MAIN_NUMBER: Record<string, string> = { '2460': '+4693514100', '2480': '+4690161000' };
const enqueue = (callId: string, municipalityId: string) =>
  t.queue.enqueue({
    callId,
    channelId: callId,
    municipalityId,
    calledNumber: MAIN_NUMBER[municipalityId]!,
    caller: '+46701234567',
    reason: 'main-number',
  });

/** The field names of a 400's details, in order. */
const fieldsOf = (body: { error?: { details?: { field: string }[] } }) => body.error?.details?.map((d) => d.field);

type QueueView = {
  municipality: { id: string; name: string };
  waitingCount: number;
  longestWaitSeconds: number;
  calls: { callId: string; position: number; waitingSeconds: number }[];
};

describe('health', () => {
  it('says only degraded (503) without a token, with Redis up and Asterisk down', async () => {
    const { status, body } = await call('GET', '/health', { auth: null });
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'degraded' });
  });

  it('shows what is up and what is not to any valid token, and refuses an unknown one', async () => {
    const { status, body } = await call('GET', '/health', { auth: await t.tokenFor('auditor') });
    expect(status).toBe(503);
    expect(body).toEqual({
      status: 'degraded',
      redis: { ok: true, latencyMs: expect.any(Number) },
      ari: { ok: false, mediaNode: 'test' },
    });
    expect(await call('GET', '/health', { auth: 'rv_not-a-real-token' })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
  });

  it('documents both answers, the summary and the detail, and that a token is optional', async () => {
    type Operation = {
      security: unknown[];
      responses: Record<string, { content?: { 'application/json': { schema: { anyOf?: { $ref: string }[] } } } }>;
    };
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, { get: Operation }>;
    };
    const operation = doc.paths['/health']!.get;
    expect(operation.security).toEqual([{}, { bearer: [] }]);
    for (const status of ['200', '503']) {
      expect(operation.responses[status]!.content!['application/json'].schema.anyOf!.map((s) => s.$ref).sort()).toEqual(
        ['#/components/schemas/Health', '#/components/schemas/HealthSummary'],
      );
    }
  });
});

describe('authentication', () => {
  it.each([
    ['no header', null, 'Send an API token as "Authorization: Bearer <token>"'],
    ['an unknown token', 'rv_not-a-real-token', 'The API token is unknown, revoked or expired'],
  ])('refuses %s with 401 JSON', async (_, auth, message) => {
    const { status, body } = await call('GET', '/api/v1/queues', { auth });
    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'unauthenticated', message } });
  });

  it.each(['Token %s', 'Basic %s', 'Bearer', 'Bearer ', 'Bearer %s extra', '%s'])(
    'refuses the Authorization header "%s" with 401 JSON',
    async (shape) => {
      const response = await t.app.request('/api/v1/queues', {
        headers: { authorization: shape.replace('%s', token) },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 'unauthenticated', message: 'Send an API token as "Authorization: Bearer <token>"' },
      });
    },
  );

  it('refuses an expired token', async () => {
    const { token: old } = await t.tokens.create(
      { name: 'Old', role: 'operator', expiresInDays: 1 },
      localActor('test'),
    );
    expect((await call('GET', '/api/v1/queues', { auth: old })).status).toBe(200);
    // Age the stored record past its expiry, as time would ({p}:token:{sha256}, store/keys.ts).
    const key = ctx.k.token(createHash('sha256').update(old).digest('hex'));
    const record = JSON.parse((await ctx.redis.get(key))!) as { name: string };
    expect(record.name).toBe('Old');
    await ctx.redis.set(key, JSON.stringify({ ...record, expiresAt: new Date(Date.now() - 1000).toISOString() }), {
      KEEPTTL: true,
    });

    const { status, body } = await call('GET', '/api/v1/queues', { auth: old });
    expect(status).toBe(401);
    expect(body).toEqual({
      error: { code: 'unauthenticated', message: 'The API token is unknown, revoked or expired' },
    });
    expect((await call('GET', '/api/v1/queues')).status).toBe(200);
  });

  it('refuses with 403 JSON naming the missing permission what the role may not do', async () => {
    // An operator may not administer tokens; an auditor may read calls but not take them.
    expect(await call('GET', '/api/v1/tokens')).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: expect.stringContaining('tokens:read') } },
    });
    const auditor = await t.tokenFor('auditor');
    const login = await call('POST', '/api/v1/operator/session', {
      auth: auditor,
      body: { phone: 'sip:a@10.0.0.1', municipalities: ['2460'] },
    });
    expect(login).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: expect.stringContaining('calls:control') } },
    });
    expect((await call('GET', '/api/v1/operator/session', { auth: auditor })).status).toBe(403);
  });
});

describe('queues', () => {
  it('lists the seven members with empty queues', async () => {
    const { status, body } = await call('GET', '/api/v1/queues');
    expect(status).toBe(200);
    const queues = body.queues as QueueView[];
    expect(queues.map((q) => `${q.municipality.id} ${q.municipality.name}`).sort()).toEqual([
      '2284 Örnsköldsvik',
      '2401 Nordmaling',
      '2403 Bjurholm',
      '2404 Vindeln',
      '2409 Robertsfors',
      '2460 Vännäs',
      '2480 Umeå',
    ]);
    for (const queue of queues) expect(queue).toMatchObject({ waitingCount: 0, longestWaitSeconds: 0, calls: [] });
  });

  it('shows waiting calls in answering order with position, waiting time and numbers both E.164 and as people read them', async () => {
    await enqueue('first', '2460');
    await sleep(20);
    await enqueue('umea', '2480');
    await sleep(20);
    await enqueue('second', '2460');

    const { status, body } = await call('GET', '/api/v1/queues');
    expect(status).toBe(200);
    const byId = new Map((body.queues as QueueView[]).map((q) => [q.municipality.id, q]));
    const vannas = byId.get('2460')!;
    expect(vannas).toMatchObject({
      municipality: { id: '2460', name: 'Vännäs' },
      waitingCount: 2,
      calls: [
        {
          callId: 'first',
          position: 1,
          municipality: { id: '2460', name: 'Vännäs' },
          calledNumber: '+4693514100',
          calledNumberDisplay: '0935-141 00',
          caller: '+46701234567',
          callerDisplay: '070-123 45 67',
          reason: 'main-number',
          state: 'waiting',
          enqueuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
        { callId: 'second', position: 2, state: 'waiting' },
      ],
    });
    const [first, second] = vannas.calls;
    expect(first!.waitingSeconds).toBeGreaterThan(second!.waitingSeconds);
    expect(second!.waitingSeconds).toBeGreaterThanOrEqual(0);
    expect(vannas.longestWaitSeconds).toBe(first!.waitingSeconds);
    // Positions are per queue: Umeå's only call is first in Umeå's line.
    expect(byId.get('2480')).toMatchObject({
      waitingCount: 1,
      calls: [{ callId: 'umea', position: 1, calledNumberDisplay: '090-16 10 00' }],
    });
    expect(
      [...byId.values()]
        .filter((q) => q.waitingCount > 0)
        .map((q) => q.municipality.id)
        .sort(),
    ).toEqual(['2460', '2480']);

    // One queue alone says the same.
    const one = await call('GET', '/api/v1/queues/2460');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      municipality: { id: '2460', name: 'Vännäs' },
      waitingCount: 2,
      calls: [
        { callId: 'first', position: 1 },
        { callId: 'second', position: 2 },
      ],
    });
  });

  it('shows the priority class a caller was put in', async () => {
    const classify = priorityClassifier(t.region);
    const classes = [{ name: 'member', boostSeconds: 120, memberNumbers: true, numbers: [] }];
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const arrive = (callId: string, caller: string) =>
      queue.enqueue(
        {
          callId,
          channelId: callId,
          municipalityId: '2460',
          calledNumber: MAIN_NUMBER['2460']!,
          caller,
          reason: 'main-number',
        },
        { priority: classify('2460', caller, classes) },
      );
    await arrive('citizen', '+46701234567');
    // An Umeå extension calling Vännäs through the switchboard.
    await arrive('colleague', '2480123');

    const { body } = await call('GET', '/api/v1/queues/2460');
    const { calls } = body as unknown as { calls: { callId: string; priorityClass?: string }[] };
    expect(calls.map((c) => [c.callId, c.priorityClass])).toEqual([
      ['citizen', undefined],
      ['colleague', 'member'],
    ]);
  });

  it('says 404 for a municipality that is not a member and 400 naming the path field for a malformed one', async () => {
    expect(await call('GET', '/api/v1/queues/9999')).toMatchObject({
      status: 404,
      body: { error: { code: 'municipality_not_found', message: 'No member municipality has the id 9999' } },
    });
    for (const bad of ['abc', '246', '24600', '%E2%82%AC']) {
      const { status, body } = await call('GET', `/api/v1/queues/${bad}`);
      expect(status, bad).toBe(400);
      expect(body.error).toEqual({
        code: 'invalid_request',
        message: 'path.municipalityId: must be a four-digit SCB kommunkod',
        details: [{ field: 'path.municipalityId', problem: 'must be a four-digit SCB kommunkod' }],
      });
    }
  });
});

describe('operator session', () => {
  const good = { phone: 'sip:anna@10.1.2.3:5060', municipalities: ['2460', '2480'] };

  it('logs in (201), shows the session, logs out (204); before login the session is 404', async () => {
    expect(await call('GET', '/api/v1/operator/session')).toMatchObject({
      status: 404,
      body: { error: { code: 'operator_not_logged_in', message: 'You are not logged in as an operator' } },
    });
    const login = await call('POST', '/api/v1/operator/session', { body: good });
    expect(login.status).toBe(201);
    expect(login.body).toEqual({
      id: expect.any(String),
      name: 'Anna',
      phone: good.phone,
      municipalities: good.municipalities,
      served: good.municipalities.map((id) => ({ id, weight: 1 })),
      state: 'available',
      stateSince: login.body.loggedInAt,
      loggedInAt: expect.any(Number),
    });
    expect(await call('GET', '/api/v1/operator/session')).toMatchObject({ status: 200, body: login.body });

    const logout = await t.app.request('/api/v1/operator/session', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(logout.status).toBe(204);
    expect(await logout.text()).toBe('');
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it.each([
    [{ ...good, phone: 'anna' }, ['body.phone']],
    [{ ...good, phone: 'tel:+46701234567' }, ['body.phone']],
    [{ ...good, phone: 'sip:anna@10.1.2.3:5060;transport=tcp' }, ['body.phone']],
    [{ ...good, phone: 42 }, ['body.phone']],
    [{ ...good, municipalities: [] }, ['body.municipalities']],
    [{ ...good, municipalities: ['2460', '2460'] }, ['body.municipalities']],
    [{ ...good, municipalities: '2460' }, ['body.municipalities']],
    [{ ...good, municipalities: ['24'] }, ['body.municipalities[0]']],
    [{ ...good, municipalities: ['2460', 2480] }, ['body.municipalities[1]']],
    [{ ...good, municipalities: ['2460', '24800'] }, ['body.municipalities[1]']],
    [{ ...good, municipalities: [{ id: '24', weight: 1 }] }, ['body.municipalities[0].id']],
    [{ ...good, municipalities: ['2460', { id: '2480', weight: 0 }] }, ['body.municipalities[1].weight']],
    [{ ...good, municipalities: [{ id: '2480', weight: 11 }] }, ['body.municipalities[0].weight']],
    [{ ...good, municipalities: [{ id: '2480', weight: '2' }] }, ['body.municipalities[0]']],
    [{ ...good, municipalities: [{ id: '2480', weight: 2, extra: 1 }] }, ['body.municipalities[0].extra']],
    [{ ...good, municipalities: ['2460', { id: '2460', weight: 2 }] }, ['body.municipalities']],
    [{ ...good, extra: true }, ['body.extra']],
    [{ phone: good.phone, municipality: '2460' }, ['body.municipality']],
    [{}, ['body.phone', 'body.municipalities']],
  ])('refuses %j with 400 naming %j, and logs nobody in', async (body, fields) => {
    const { status, body: answer } = await call('POST', '/api/v1/operator/session', { body });
    expect(status).toBe(400);
    expect(answer.error?.code).toBe('invalid_request');
    expect(fieldsOf(answer)).toEqual(fields);
    // The message says the same as the details, field by field.
    for (const field of fields) expect(answer.error?.message).toContain(`${field}: `);
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('logs in with a weight per municipality, pauses with a reason, and is ready again', async () => {
    const login = await call('POST', '/api/v1/operator/session', {
      body: { ...good, municipalities: [{ id: '2460', weight: 2 }, '2480'] },
    });
    expect(login.status).toBe(201);
    expect(login.body).toMatchObject({
      municipalities: ['2460', '2480'],
      served: [
        { id: '2460', weight: 2 },
        { id: '2480', weight: 1 },
      ],
    });

    const paused = await call('POST', '/api/v1/operator/pause', { body: { reason: 'meeting', note: 'APT' } });
    expect(paused).toMatchObject({ status: 200, body: { state: 'paused', pauseReason: 'meeting', pauseNote: 'APT' } });
    expect(await call('POST', '/api/v1/operator/answer-next')).toMatchObject({
      status: 409,
      body: { error: { code: 'operator_paused' } },
    });
    expect(await call('GET', '/api/v1/operator/session')).toMatchObject({ body: { state: 'paused' } });

    const ready = await call('POST', '/api/v1/operator/ready');
    expect(ready).toMatchObject({ status: 200, body: { state: 'available' } });
    expect(ready.body).not.toHaveProperty('pauseReason');
  });

  it('refuses a pause without a known reason, naming the field, and pause or ready before login', async () => {
    expect(await call('POST', '/api/v1/operator/pause', { body: { reason: 'break' } })).toMatchObject({
      status: 409,
      body: { error: { code: 'operator_not_logged_in' } },
    });
    expect(await call('POST', '/api/v1/operator/ready')).toMatchObject({
      status: 409,
      body: { error: { code: 'operator_not_logged_in' } },
    });
    await call('POST', '/api/v1/operator/session', { body: good });
    for (const [body, field] of [
      [{}, 'body.reason'],
      [{ reason: 'fika' }, 'body.reason'],
      [{ reason: 'other', note: 'x'.repeat(201) }, 'body.note'],
      [{ reason: 'other', until: 'later' }, 'body.until'],
    ] as const) {
      const answer = await call('POST', '/api/v1/operator/pause', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(answer.body)).toEqual([field]);
    }
    expect(await call('GET', '/api/v1/operator/session')).toMatchObject({ body: { state: 'available' } });
  });

  it('refuses a municipality that is not a member, naming each one', async () => {
    const { status, body } = await call('POST', '/api/v1/operator/session', {
      body: { ...good, municipalities: ['2460', '9999', '0000'] },
    });
    expect(status).toBe(400);
    expect(body.error).toEqual({
      code: 'invalid_request',
      message:
        'body.municipalities[1]: 9999 is not a member municipality (config/region.yaml); body.municipalities[2]: 0000 is not a member municipality (config/region.yaml)',
      details: [
        { field: 'body.municipalities[1]', problem: '9999 is not a member municipality (config/region.yaml)' },
        { field: 'body.municipalities[2]', problem: '0000 is not a member municipality (config/region.yaml)' },
      ],
    });
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  it('answers a body that is not JSON with 415 saying to send JSON', async () => {
    for (const contentType of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
      const response = await t.app.request('/api/v1/operator/session', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
        body: JSON.stringify(good),
      });
      expect(response.status, contentType).toBe(415);
      expect(await response.json()).toEqual({
        error: {
          code: 'unsupported_media_type',
          message: 'Send the request body as JSON, with Content-Type: application/json',
        },
      });
    }
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });

  const malformed = [
    '{',
    '',
    '{"phone": "sip:a@10.0.0.1", "municipalities": ["2460"]',
    'null',
    'true',
    '"text"',
    '42',
    '-0.5e309',
    '[]',
    '[1,2]',
    '[{"phone": "sip:a@10.0.0.1", "municipalities": ["2460"]}]',
    '{"phone": {"nested": [null]}}',
    '{"phone": null, "municipalities": null}',
    '{"phone": ["sip:a@10.0.0.1"], "municipalities": {"0": "2460"}}',
    '{"phone": "sip:a@10.0.0.1", "municipalities": [["2460"]]}',
    '{"phone": "sip:a@10.0.0.1", "municipalities": [null, {}, [], true, 2460]}',
    '{"phone": "sip:a@10.0.0.1", "municipalities": ["2460"], "__proto__": {"admin": true}}',
    '{"phone": "sip:a@10.0.0.1", "municipalities": ["2460"], "constructor": {"prototype": {}}}',
    `{"phone": "sip:${'a'.repeat(10_000)}@10.0.0.1", "municipalities": ["2460"]}`,
    `{"phone": "sip:a@10.0.0.1", "municipalities": ${JSON.stringify(Array.from({ length: 1000 }, (_, i) => String(i).padStart(4, '0')))}}`,
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
  ];
  it.each(malformed.map((raw) => [raw.length > 80 ? `${raw.slice(0, 60)}… (${raw.length} chars)` : raw, raw]))(
    'answers malformed body %s with 400 JSON, never 500, and logs nobody in',
    async (_, raw) => {
      const { status, body } = await call('POST', '/api/v1/operator/session', { raw });
      expect(status).toBe(400);
      expect(body.error?.code).toBe('invalid_request');
      expect(body.error?.message.length).toBeGreaterThan(5);
      expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
    },
  );
});

describe('answering while Asterisk is unreachable', () => {
  beforeEach(async () => {
    expect(
      (
        await call('POST', '/api/v1/operator/session', {
          body: { phone: 'sip:anna@10.1.2.3', municipalities: ['2460'] },
        })
      ).status,
    ).toBe(201);
    await enqueue('older-call', '2460');
    await enqueue('waiting-call', '2460');
  });

  const unavailable = {
    error: { code: 'ari_unavailable', message: 'The media server (Asterisk) cannot be reached right now' },
  };

  async function nothingLost() {
    expect((await call('GET', '/api/v1/queues/2460')).body).toMatchObject({
      waitingCount: 2,
      calls: [
        { callId: 'older-call', position: 1, state: 'waiting' },
        { callId: 'waiting-call', position: 2, state: 'waiting' },
      ],
    });
    for (const id of ['older-call', 'waiting-call']) {
      const record = (await call('GET', `/api/v1/calls/${id}`)).body;
      expect(record.state).toBe('waiting');
      expect(record).not.toHaveProperty('answeredBy');
    }
    expect((await call('GET', '/api/v1/operator/session')).body).toMatchObject({ state: 'available' });
    expect((await call('GET', '/api/v1/operator/session')).body).not.toHaveProperty('callId');
  }

  it('answers answer-next with 503 and loses nothing: the calls keep their places and the operator stays available', async () => {
    const { status, body } = await call('POST', '/api/v1/operator/answer-next');
    expect(status).toBe(503);
    expect(body).toEqual(unavailable);
    await nothingLost();
  });

  it('answers taking a picked call with 503 and loses nothing', async () => {
    const { status, body } = await call('POST', '/api/v1/operator/calls/waiting-call/answer');
    expect(status).toBe(503);
    expect(body).toEqual(unavailable);
    await nothingLost();
  });
});

describe('call records', () => {
  it('shows an abandoned call with its waiting time, and 404s an unknown id', async () => {
    await enqueue('gone', '2480');
    await sleep(20);
    expect(await t.queue.finish('gone')).not.toBeNull();
    const { status, body } = await call('GET', '/api/v1/calls/gone');
    expect(status).toBe(200);
    expect(body).toEqual({
      callId: 'gone',
      municipality: { id: '2480', name: 'Umeå' },
      calledNumber: '+4690161000',
      calledNumberDisplay: '090-16 10 00',
      caller: '+46701234567',
      callerDisplay: '070-123 45 67',
      reason: 'main-number',
      state: 'ended',
      outcome: 'abandoned',
      enqueuedAt: expect.any(String),
      endedAt: expect.any(String),
      waitSeconds: expect.any(Number),
    });
    const waited = Date.parse(body.endedAt as string) - Date.parse(body.enqueuedAt as string);
    expect(body.waitSeconds).toBeGreaterThanOrEqual(0.015);
    expect(body.waitSeconds).toBe(waited / 1000);

    expect(await call('GET', '/api/v1/calls/nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'call_not_found', message: 'No call has the id nope' } },
    });
  });

  it('lists records newest first, of one municipality or all, at most limit', async () => {
    for (const [id, municipality] of [
      ['a', '2480'],
      ['b', '2460'],
      ['c', '2480'],
    ] as const) {
      await enqueue(id, municipality);
      await sleep(5);
    }
    await t.queue.finish('a');
    const ids = async (query: string) => {
      const { status, body } = await call('GET', `/api/v1/calls${query}`);
      expect(status, query).toBe(200);
      return (body.calls as { callId: string }[]).map((c) => c.callId);
    };
    expect(await ids('')).toEqual(['c', 'b', 'a']);
    expect(await ids('?municipality=2480')).toEqual(['c', 'a']);
    expect(await ids('?municipality=2480&limit=1')).toEqual(['c']);
    expect(await ids('?limit=2')).toEqual(['c', 'b']);
    expect(await ids('?municipality=2404')).toEqual([]);
  });

  it.each([
    ['limit=0', ['query.limit']],
    ['limit=501', ['query.limit']],
    ['limit=abc', ['query.limit']],
    ['limit=1.5', ['query.limit']],
    ['limit=', ['query.limit']],
    ['municipality=xx', ['query.municipality']],
    ['municipality=2460&municipality=2480', ['query.municipality']],
    ['municipality=xx&limit=0', ['query.municipality', 'query.limit']],
    ['sort=desc', ['query.sort']],
  ])('refuses ?%s with 400 naming %j', async (query, fields) => {
    const { status, body } = await call('GET', `/api/v1/calls?${query}`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('refuses a call id longer than any channel id with 400 naming the path field', async () => {
    const { status, body } = await call('GET', `/api/v1/calls/${'x'.repeat(101)}`);
    expect(status).toBe(400);
    expect(fieldsOf(body)).toEqual(['path.callId']);
  });
});

describe('the API document', () => {
  it('serves OpenAPI 3.1 describing every endpoint, and a reference page, without a token', async () => {
    const response = await t.app.request('/api/openapi.json');
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/api/v1/queues',
        '/api/v1/queues/{municipalityId}',
        '/api/v1/calls',
        '/api/v1/operator/session',
        '/api/v1/operator/answer-next',
      ]),
    );
    const page = await t.app.request('/api/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/docs/assets/start.js');
    expect(await (await t.app.request('/api/docs/assets/start.js')).text()).toContain('/api/openapi.json');
  });

  it('says on every /api/v1 operation that Redis out of reach is a 503, and on those with a body that 413 and 415 may come', async () => {
    type Operation = { requestBody?: unknown; responses: Record<string, unknown> };
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ at: `${method} ${path}`, operation })),
      );
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter(({ operation }) => !operation.responses['503']).map(({ at }) => at)).toEqual([]);
    const withBody = operations.filter(({ operation }) => operation.requestBody);
    expect(
      withBody
        .filter(({ operation }) => !operation.responses['415'] || !operation.responses['413'])
        .map(({ at }) => at),
    ).toEqual([]);
  });

  it.each([
    ['GET', '/api/v1/nothing-here'],
    ['GET', '/api/v1/queues/'],
    ['PUT', '/api/v1/queues'],
    ['GET', '/nothing'],
  ])('answers %s %s with 404 JSON', async (method, path) => {
    const { status, body } = await call(method, path);
    expect(status).toBe(404);
    expect(body).toEqual({ error: { code: 'not_found', message: `No such endpoint: ${method} ${path}` } });
  });

  it('asks for a token before saying whether an /api/v1 path exists', async () => {
    expect(await call('GET', '/api/v1/nothing-here', { auth: null })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
  });
});

describe('request size', () => {
  it('refuses a body over 1 MiB with 413 JSON, and stores nothing', async () => {
    const { status, body } = await call('POST', '/api/v1/operator/session', {
      raw: JSON.stringify({ phone: 'x'.repeat(1024 * 1024 + 10), municipalities: ['2460'] }),
    });
    expect(status).toBe(413);
    expect(body.error?.code).toBe('body_too_large');
    expect((await call('GET', '/api/v1/operator/session')).status).toBe(404);
  });
});
