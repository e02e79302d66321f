import { beforeEach, describe, expect, it } from 'vitest';
import { callGreeting } from '../../src/admin/greetings.js';
import { localActor } from '../../src/auth/token-store.js';
import { DEFAULT_ALLOWED, DEFAULT_DIAL_POLICY } from '../../src/dialling/dial-policy.js';
import type { Municipality } from '../../src/directory/directory-store.js';
import { buildTestApp } from '../support/http-app.js';
import { sleep, useRedis } from '../support/redis.js';
import { NORDMALING, UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();

const MAIN_NUMBER: Record<string, string> = { [VANNAS]: '+4693514100', [UMEA]: '+4690161000' };

let t: Awaited<ReturnType<typeof buildTestApp>>;
let operator: { token: string; id: string };

beforeEach(async () => {
  t = await buildTestApp(ctx);
  const { token, record } = await t.tokens.create(
    { name: 'Eva Telefonist', role: 'operator' },
    localActor('test setup'),
  );
  operator = { token, id: record.id };
  const login = await t.call('POST', '/api/v1/operator/session', {
    auth: token,
    body: { phone: 'sip:eva@127.0.0.1', municipalities: [VANNAS, UMEA] },
  });
  expect(login.status).toBe(201);
});

const asOperator = (method: string, path: string, body?: unknown) =>
  t.call(method, path, { auth: operator.token, body });
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const HOUR = 3_600_000;

/**
 * A call answered by the operator (set in Redis: no Asterisk here), a call-back booked on it
 * through the API as the console does, then the call ended so the operator can take the next.
 */
async function bookOnAnsweredCall(callId: string, municipalityId: string, window: { from?: number; to?: number } = {}) {
  await t.queue.enqueue({
    callId,
    channelId: callId,
    municipalityId,
    calledNumber: MAIN_NUMBER[municipalityId]!,
    caller: '+46701234567',
    reason: 'main-number',
  });
  await t.queue.claimCall(operator.id, callId);
  await t.queue.markAnswered(callId, `${callId}-op1`);
  const { status, body } = await asOperator('POST', `/api/v1/calls/${callId}/callback`, {
    number: '070-765 43 21',
    from: iso(window.from),
    to: iso(window.to),
  });
  expect(status, JSON.stringify(body)).toBe(201);
  await t.queue.finish(callId);
}

const listed = async (query = '') => {
  const { status, body } = await asOperator('GET', `/api/v1/callbacks${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.callbacks as { callId: string; bookedAt?: string }[];
};

describe('GET /callbacks: call-backs booked for later', () => {
  it('lists those whose window has not begun, soonest first, with the number, window and who booked them; of one municipality or all', async () => {
    const now = Date.now();
    await bookOnAnsweredCall('a', VANNAS, { from: now + 2 * HOUR, to: now + 3 * HOUR });
    await bookOnAnsweredCall('b', UMEA, { from: now + HOUR });
    await bookOnAnsweredCall('c', VANNAS); // due at once: in the queue, not here

    expect((await listed()).map((c) => c.callId)).toEqual(['b-cb', 'a-cb']);
    const vannas = await listed(`?municipality=${VANNAS}`);
    expect(vannas).toEqual([
      expect.objectContaining({
        callId: 'a-cb',
        kind: 'callback',
        callbackOf: 'a',
        state: 'scheduled',
        municipality: { id: VANNAS, name: 'Vännäs' },
        caller: '+46707654321',
        callerDisplay: '070-765 43 21',
        windowFrom: iso(now + 2 * HOUR),
        windowTo: iso(now + 3 * HOUR),
        bookedBy: { id: operator.id, name: 'Eva Telefonist' },
        bookedAt: expect.any(String),
      }),
    ]);
    expect(Date.parse(vannas[0]!.bookedAt!)).toBeGreaterThanOrEqual(now);
    expect((await listed(`?municipality=${UMEA}`))[0]).not.toHaveProperty('windowTo');
    expect((await t.call('GET', `/api/v1/queues/${VANNAS}`, { auth: operator.token })).body.calls).toMatchObject([
      { callId: 'c-cb', bookedBy: { name: 'Eva Telefonist' } },
    ]);
  });

  it('leaves one out once its window has begun and it is in the queue; booking and release are on the event stream', async () => {
    await bookOnAnsweredCall('a', VANNAS, { from: Date.now() + 300 });
    expect((await listed()).map((c) => c.callId)).toEqual(['a-cb']);
    await sleep(400);
    expect(await t.callControl.callbacks.releaseDue()).toEqual(['a-cb']);
    expect(await listed()).toEqual([]);

    // The console re-reads the list on events: one when booked, one when the window begins.
    const events = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [])
      .map((e) => e.message)
      .filter((m) => m.callId === 'a-cb');
    expect(events.map((m) => m.type)).toEqual(['call.callback-booked', 'call.queued']);
  });

  it.each([
    ['municipality=xx', ['query.municipality']],
    ['municipality=2460&municipality=2480', ['query.municipality']],
    ['state=scheduled', ['query.state']],
  ])('refuses ?%s with 400 naming %j', async (query, fields) => {
    const { status, body } = await asOperator('GET', `/api/v1/callbacks?${query}`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_request');
    expect(body.error?.details?.map((d) => d.field)).toEqual(fields);
  });

  it('says 404 for a municipality that is not a member', async () => {
    expect(await asOperator('GET', '/api/v1/callbacks?municipality=0114')).toMatchObject({
      status: 404,
      body: { error: { code: 'municipality_not_found' } },
    });
  });
});

describe('POST /callbacks/{callId}/cancel: cancelling a booked call-back', () => {
  const cancel = (callId: string, token = operator.token) =>
    t.call('POST', `/api/v1/callbacks/${callId}/cancel`, { auth: token });
  const events = async (callId: string) =>
    ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).map((e) => e.message).filter((m) => m.callId === callId);
  const waitingIds = async (municipalityId: string) =>
    ((await asOperator('GET', `/api/v1/queues/${municipalityId}`)).body.calls as { callId: string }[]).map(
      (c) => c.callId,
    );

  it('cancels one booked for later: gone from the list, the record ended with the outcome and who cancelled it, an event for the consoles', async () => {
    await bookOnAnsweredCall('a', VANNAS, { from: Date.now() + HOUR });
    await bookOnAnsweredCall('b', VANNAS, { from: Date.now() + 2 * HOUR });
    const { status, body } = await cancel('a-cb');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      callId: 'a-cb',
      kind: 'callback',
      callbackOf: 'a',
      state: 'ended',
      outcome: 'callback-cancelled',
      cancelledBy: operator.id,
      endedAt: expect.any(String),
    });

    expect((await listed()).map((c) => c.callId)).toEqual(['b-cb']);
    expect(await ctx.redis.zRange(ctx.k.scheduledCallbacks(), 0, -1)).toEqual(['b-cb']);
    expect(await ctx.redis.sIsMember(ctx.k.activeCalls(), 'a-cb')).toBeFalsy();
    expect((await asOperator('GET', '/api/v1/calls/a-cb')).body).toMatchObject({
      state: 'ended',
      outcome: 'callback-cancelled',
      cancelledBy: operator.id,
    });
    expect((await events('a-cb')).map((m) => m.type)).toEqual(['call.callback-booked', 'call.ended']);
    expect((await events('a-cb'))[1]).toMatchObject({
      outcome: 'callback-cancelled',
      cancelledBy: operator.id,
      municipalityId: VANNAS,
    });
    // Its window beginning later releases nothing.
    expect(await t.callControl.callbacks.releaseDue()).toEqual([]);
  });

  it('cancels one waiting in its queue: gone from the queue, the record ended; cancelling again gives it back unchanged', async () => {
    await bookOnAnsweredCall('a', VANNAS);
    // A later caller: behind the call-back, which keeps the place of the call it was booked on.
    await t.queue.enqueue({
      callId: 'w',
      channelId: 'w',
      municipalityId: VANNAS,
      calledNumber: MAIN_NUMBER[VANNAS]!,
      caller: '+46701112233',
      reason: 'main-number',
    });
    expect(await waitingIds(VANNAS)).toEqual(['a-cb', 'w']);

    const first = await cancel('a-cb');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ state: 'ended', outcome: 'callback-cancelled', cancelledBy: operator.id });
    expect(await waitingIds(VANNAS)).toEqual(['w']);
    expect((await events('a-cb')).map((m) => m.type)).toEqual(['call.callback-booked', 'call.ended']);
    // The operator asking for the next call gets the caller, not the cancelled call-back.
    expect((await t.queue.claimNext(operator.id))?.callId).toBe('w');

    const again = await cancel('a-cb');
    expect(again).toMatchObject({ status: 200, body: { endedAt: first.body.endedAt, outcome: 'callback-cancelled' } });
    expect(await events('a-cb')).toHaveLength(2);
  });

  it('refuses with 409, saying why, one that rings an operator, is answered or has ended; nothing changes', async () => {
    await bookOnAnsweredCall('a', VANNAS);
    await t.queue.claimCall(operator.id, 'a-cb');
    expect(await cancel('a-cb')).toMatchObject({ status: 409, body: { error: { code: 'callback_offered' } } });
    await t.queue.markAnswered('a-cb', 'a-cb-op1');
    const answered = await cancel('a-cb');
    expect(answered).toMatchObject({ status: 409, body: { error: { code: 'callback_answered' } } });
    expect(answered.body.error?.message).toMatch(/answered/);
    expect((await asOperator('GET', '/api/v1/calls/a-cb')).body).toMatchObject({ state: 'answered' });
    await t.queue.finish('a-cb');
    expect(await cancel('a-cb')).toMatchObject({ status: 409, body: { error: { code: 'callback_ended' } } });
    expect((await asOperator('GET', '/api/v1/calls/a-cb')).body).toMatchObject({ state: 'ended', outcome: 'answered' });
  });

  it('says 404 for an unknown id and for a call that is not a call-back', async () => {
    await bookOnAnsweredCall('a', VANNAS, { from: Date.now() + HOUR });
    expect(await cancel('nope-cb')).toMatchObject({ status: 404, body: { error: { code: 'callback_not_found' } } });
    expect(await cancel('a')).toMatchObject({ status: 404, body: { error: { code: 'callback_not_found' } } });
  });

  it('is refused (403) to roles that may not book, and to an operator logged in for other municipalities', async () => {
    await bookOnAnsweredCall('a', VANNAS, { from: Date.now() + HOUR });
    expect(await cancel('a-cb', await t.tokenFor('municipality-admin', VANNAS))).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await cancel('a-cb', await t.tokenFor('auditor'))).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    const { token } = await t.tokens.create({ name: 'Olle i Umeå', role: 'operator' }, localActor('test setup'));
    expect(
      (
        await t.call('POST', '/api/v1/operator/session', {
          auth: token,
          body: { phone: 'sip:olle@127.0.0.1', municipalities: [UMEA] },
        })
      ).status,
    ).toBe(201);
    expect(await cancel('a-cb', token)).toMatchObject({
      status: 403,
      body: { error: { code: 'municipality_not_served' } },
    });
    expect((await listed()).map((c) => c.callId)).toEqual(['a-cb']);
    // A region admin (not logged in to the switchboard) may.
    expect(await cancel('a-cb', await t.tokenFor('region-admin'))).toMatchObject({
      status: 200,
      body: { outcome: 'callback-cancelled' },
    });
  });
});

describe('the dial policy on call-backs and external transfers', () => {
  /** A call the operator has answered (in Redis: no Asterisk here), from `caller`. */
  async function answered(callId: string, caller = '+46701234567') {
    await t.queue.enqueue({
      callId,
      channelId: callId,
      municipalityId: VANNAS,
      calledNumber: MAIN_NUMBER[VANNAS]!,
      caller,
      reason: 'main-number',
    });
    await t.queue.claimCall(operator.id, callId);
    return t.queue.markAnswered(callId, `${callId}-op1`);
  }
  const refusals = async () =>
    ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [])
      .map((e) => e.message)
      .filter((m) => m.type === 'dialling.refused');

  it('refuses to book a call-back to a number the policy does not allow call-backs (403 naming body.number and the class); nothing booked', async () => {
    const call = await answered('a');
    const { status, body } = await asOperator('POST', '/api/v1/calls/a/callback', { number: '0900-123 45 67' });
    expect(status).toBe(403);
    expect(body.error).toEqual({
      code: 'dialling_denied',
      message: 'premium numbers may not be dialled for callback calls (dial policy of Vännäs)',
      details: [
        {
          field: 'body.number',
          class: 'premium',
          problem: 'is a premium number, not allowed for callback calls by the dial policy of Vännäs',
        },
      ],
    });
    expect(await t.queue.get('a')).toEqual(call);
    expect(await t.queue.get('a-cb')).toBeNull();
    expect(await refusals()).toEqual([
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'callback', class: 'premium', callId: 'a' },
    ]);
  });

  it('checks the caller’s own number when none is given, until the policy allows its class', async () => {
    await answered('n', '+4722334455');
    const refused = await asOperator('POST', '/api/v1/calls/n/callback', {});
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: 'dialling_denied', details: [{ field: 'body.number', class: 'international-nordic' }] } },
    });
    const allow = { ...DEFAULT_DIAL_POLICY.allow, callback: [...DEFAULT_ALLOWED, 'international-nordic' as const] };
    await t.admin.dialPolicies.update(VANNAS, 0, { allow }, localActor('test setup'));
    expect(await asOperator('POST', '/api/v1/calls/n/callback', {})).toMatchObject({
      status: 201,
      body: { callback: { callId: 'n-cb', caller: '+4722334455' } },
    });
  });

  it('refuses a transfer to a number the policy does not allow transfers (403) before anything changes; an allowed one goes on to Asterisk', async () => {
    const call = await answered('x');
    const refused = await asOperator('POST', '/api/v1/calls/x/transfer', { number: '+881 6 1234 5678' });
    expect(refused).toMatchObject({
      status: 403,
      body: {
        error: {
          code: 'dialling_denied',
          message: 'satellite numbers may not be dialled for transfer calls (dial policy of Vännäs)',
          details: [{ field: 'body.number', class: 'satellite' }],
        },
      },
    });
    expect(await t.queue.get('x')).toEqual(call);
    expect(await refusals()).toEqual([
      { type: 'dialling.refused', municipalityId: VANNAS, kind: 'transfer', class: 'satellite', callId: 'x' },
    ]);
    // Allowed: past the policy, only Asterisk's absence stops it here.
    expect(await asOperator('POST', '/api/v1/calls/x/transfer', { number: '070-123 45 67' })).toMatchObject({
      status: 503,
      body: { error: { code: 'ari_unavailable' } },
    });
  });
});

describe('what the operator says on a call-back', () => {
  const CALLBACK_GREETING = 'Hej, det här är Vännäs kommun som ringer upp dig efter ditt samtal.';

  it('is the call-back greeting, not the welcome: the configured one, else one stored by IT staff', async () => {
    await bookOnAnsweredCall('a', VANNAS);
    const greeting = async (callId: string) =>
      (await asOperator('GET', `/api/v1/calls/${callId}/control`)).body.greeting;
    expect(await greeting('a')).toBe('Vännäs kommun, välkommen. Vad kan jag hjälpa dig med?');
    expect(await greeting('a-cb')).toBe(CALLBACK_GREETING);

    await t.admin.greetings.create(
      {
        municipalityId: VANNAS,
        greeting: 'Vännäs kommun, god dag.',
        callbackGreeting: 'Hej, Vännäs kommun här, vi ringer upp dig.',
      },
      localActor('test setup'),
    );
    expect(await greeting('a')).toBe('Vännäs kommun, god dag.');
    expect(await greeting('a-cb')).toBe('Hej, Vännäs kommun här, vi ringer upp dig.');
  });

  it('is in the name of the municipality dialled when the call had overflowed into another queue', async () => {
    await t.queue.enqueue({
      callId: 'o',
      channelId: 'o',
      municipalityId: UMEA,
      calledNumber: '+4693014000',
      caller: '+46701234567',
      reason: 'main-number',
    });
    await ctx.redis.hSet(ctx.k.call('o'), { overflowFrom: NORDMALING, overflow: 'max-length' });
    await t.callControl.callbacks.book({ callId: 'o' });
    expect((await asOperator('GET', '/api/v1/calls/o-cb/control')).body.greeting).toBe(
      'Hej, det här är Nordmalings kommun som ringer upp dig efter ditt samtal.',
    );
  });

  it('without one configured or stored, names the municipality without guessing its genitive', async () => {
    const vannas = { id: VANNAS, name: 'Vännäs', greeting: 'Vännäs kommun, välkommen.' } as Municipality;
    const greeting = await callGreeting(
      { get: async () => undefined },
      { getMunicipality: async () => vannas },
      { municipalityId: VANNAS, kind: 'callback' },
    );
    expect(greeting).toBe('Hej, det här är kommunväxeln i Vännäs som ringer upp dig efter ditt samtal.');
  });
});
