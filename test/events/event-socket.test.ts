import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { localActor } from '../../src/auth/token-store.js';
import { CLOSE_CODES, DEFAULT_MAX_SOCKETS_PER_TOKEN, attachEventSocket } from '../../src/events/event-socket.js';
import { publishEvent } from '../../src/events/event-stream.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { buildTestApp } from '../support/http-app.js';
import { BJURHOLM, UMEA, caller, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

type Message = Record<string, string | number> & { type: string; seq: string };

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The real app on a real Node HTTP server with the events socket attached, on a free port. */
async function start({
  pingMs,
  maxSockets,
  maxSocketsPerToken,
}: { pingMs?: number; maxSockets?: number; maxSocketsPerToken?: number } = {}) {
  const api = await buildTestApp(ctx);
  const server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const events = attachEventSocket(server, {
    tokens: api.tokens,
    k: ctx.k,
    redis: ctx.redis,
    connectReader: () => ctx.connect(),
    pingMs,
    maxSockets,
    maxSocketsPerToken,
  });
  cleanups.push(
    () => new Promise<void>((resolve) => server.close(() => resolve())),
    () => events.close(),
  );
  await events.ready;
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events`;
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const login = (id: string, municipalities: string[]) =>
    operators.login(id, { name: id, phone: `sip:${id}@10.0.0.5`, municipalities });
  return { ...api, base, queue, operators, login };
}

/** A real ws client that keeps every message; `until` waits for a condition on them. */
async function connect(url: string, token?: string) {
  const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  cleanups.push(() => ws.terminate());
  const messages: Message[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Message);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) =>
    ws
      .once('open', resolve)
      .once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      .once('error', reject),
  );
  async function until(condition: (all: Message[]) => boolean, what: string): Promise<Message[]> {
    const deadline = Date.now() + 5_000;
    while (!condition(messages)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return messages;
  }
  const events = () => messages.filter((m) => m.type !== 'live' && m.type !== 'reset');
  await until((all) => all.some((m) => m.type === 'live' || m.type === 'reset'), 'the socket to go live');
  return { ws, messages, events, until };
}

/** When and how the server closed the socket. */
function closeOf(ws: WebSocket): Promise<{ code: number; reason: string; at: number }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })),
  );
}

/** A socket as soon as it is upgraded, before anything is sent on it (a refused one is closed right after). */
async function opened(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  cleanups.push(() => ws.terminate());
  await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

/** Connects (and goes live) within a few tries: a closed socket leaves the server's count once its close is seen there. */
async function eventuallyConnects(url: string, token: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const ws = await opened(url, token);
    const first = await Promise.race([
      new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data)))),
      closeOf(ws).then(() => 'closed'),
    ]);
    if (first !== 'closed') return;
    if (tries > 20) throw new Error('the token never got a socket again');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Answers `url`'s upgrade with an HTTP status instead of a socket. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => reject(new Error('the socket opened')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', () => undefined);
  });
}

const typesOf = (messages: Message[]) =>
  messages.map((m) => `${m.type}${m.state ? `:${m.state}` : ''}${m.callId ? `:${m.callId}` : ''}`);
const isAscending = (seqs: string[]) =>
  seqs.every((seq, i) => i === 0 || seq.localeCompare(seqs[i - 1]!, 'en', { numeric: true }) > 0);

describe('the events socket', () => {
  it('streams every change live, in order, each with its sequence', async () => {
    const app = await start();
    const client = await connect(app.base, await app.tokenFor('operator'));

    await app.login('anna', [BJURHOLM]);
    await app.queue.enqueue(caller('a', BJURHOLM));
    await app.queue.enqueue(caller('b', BJURHOLM));
    const offered = await app.queue.claimNext('anna');
    await app.queue.markAnswered('a', offered!.operatorChannelId!);
    await app.queue.finish('a');
    await app.queue.finish('b');

    const events = (
      await client.until((all) => all.filter((m) => m.type === 'call.ended').length === 2, 'both calls to end')
    ).filter((m) => m.type !== 'live');
    expect(typesOf(events)).toEqual([
      'operator.state:available',
      'call.queued:a',
      'call.queued:b',
      'operator.state:connecting:a',
      'call.offered:a',
      'operator.state:on-call:a',
      'call.answered:a',
      'operator.state:available',
      'call.ended:a',
      'call.ended:b',
    ]);
    expect(events[1]).toMatchObject({ municipalityId: BJURHOLM, position: '1', at: expect.any(Number) });
    expect(events[2]).toMatchObject({ position: '2' });
    expect(events[8]).toMatchObject({ outcome: 'answered', operatorId: 'anna' });
    expect(events[9]).toMatchObject({ outcome: 'abandoned' });
    expect(isAscending(events.map((e) => e.seq))).toBe(true);
    // The sequence is the stream id: exactly what is stored, nothing more.
    const stored = (await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [];
    expect(events.map((e) => e.seq)).toEqual(stored.map((s) => s.id));
  });

  it('gives a reconnecting client exactly what it missed, then goes on live', async () => {
    const app = await start();
    const token = await app.tokenFor('operator');
    const first = await connect(app.base, token);
    await app.queue.enqueue(caller('a', BJURHOLM));
    await app.queue.enqueue(caller('b', UMEA));
    const seen = await first.until((all) => all.filter((m) => m.type === 'call.queued').length === 2, 'two calls');
    const lastSeen = seen.at(-1)!.seq;
    first.ws.terminate();

    // Changes while disconnected.
    await app.queue.enqueue(caller('c', BJURHOLM));
    await app.queue.finish('a');
    await publishEvent(ctx.redis, ctx.k, 'call.note', UMEA, { callId: 'b', note: 'made outside Lua' });

    const again = await connect(`${app.base}?since=${lastSeen}`, token);
    await app.queue.enqueue(caller('d', UMEA));
    const all = await again.until((m) => m.some((e) => e.callId === 'd'), 'the live call d');

    expect(typesOf(all)).toEqual(['call.queued:c', 'call.ended:a', 'call.note:b', 'live', 'call.queued:d']);
    expect(all[2]).toMatchObject({ municipalityId: UMEA, note: 'made outside Lua' });
    const stored = ((await ctx.redis.xRange(ctx.k.events(), `(${lastSeen}`, '+')) ?? []).map((s) => s.id);
    expect(again.events().map((e) => e.seq)).toEqual(stored);
    // `live` names where catching up ended: the last event missed.
    expect(all[3]!.seq).toBe(all[2]!.seq);
  });

  it('says reset when what was missed is no longer in the stream, or the seq is from the future', async () => {
    const app = await start();
    const token = await app.tokenFor('operator');
    await app.queue.enqueue(caller('a', BJURHOLM));
    const [old] = (await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [];
    await app.queue.enqueue(caller('b', BJURHOLM));
    await app.queue.enqueue(caller('c', BJURHOLM));
    // The cap trimmed the oldest events.
    await ctx.redis.xTrim(ctx.k.events(), 'MAXLEN', 1);
    const [kept] = (await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [];

    const stale = await connect(`${app.base}?since=${old!.id}`, token);
    expect(stale.messages).toEqual([
      { type: 'reset', seq: kept!.id },
      { type: 'live', seq: kept!.id },
    ]);
    await app.queue.enqueue(caller('d', BJURHOLM));
    await stale.until((m) => m.some((e) => e.callId === 'd'), 'the live call d');

    const future = await connect(`${app.base}?since=99999999999999-0`, token);
    expect(future.messages[0]).toEqual({ type: 'reset', seq: stale.messages.at(-1)!.seq });
  });

  it('resumes from 0-0, the seq it gives while the stream is empty or gone (Redis lost it)', async () => {
    const app = await start();
    const token = await app.tokenFor('operator');
    const empty = await connect(app.base, token);
    expect(empty.messages).toEqual([{ type: 'live', seq: '0-0' }]);
    empty.ws.terminate();

    await app.queue.enqueue(caller('a', BJURHOLM));
    const again = await connect(`${app.base}?since=0-0`, token);
    expect(typesOf(again.messages)).toEqual(['call.queued:a', 'live']);
  });

  /**
   * Anna (Bjurholm and Umeå) answers b1 in Bjurholm and transfers it to an external number, which
   * answers; u1 in Umeå is abandoned; a message is taken in Bjurholm. Real scripts throughout,
   * the message as the message store publishes it.
   */
  async function traffic(app: Awaited<ReturnType<typeof start>>) {
    await app.login('anna', [BJURHOLM, UMEA]);
    await app.queue.enqueue(caller('b1', BJURHOLM));
    await app.queue.enqueue(caller('u1', UMEA));
    const offered = await app.queue.claimNext('anna');
    expect(offered?.callId).toBe('b1');
    await app.queue.markAnswered('b1', offered!.operatorChannelId!);
    await app.callControl.control.act('b1', 'anna', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'external',
      target: '+4690123456',
    });
    await app.callControl.control.legAnswered('b1', 'b1-xfer1');
    await publishEvent(ctx.redis, ctx.k, 'message.taken', BJURHOLM, { messageId: 'm1', entryId: 'e1' });
    await app.queue.finish('u1');
    await app.queue.finish('b1');
  }
  const everything = [
    'operator.state:available',
    'call.queued:b1',
    'call.queued:u1',
    'operator.state:connecting:b1',
    'call.offered:b1',
    'operator.state:on-call:b1',
    'call.answered:b1',
    'operator.state:available',
    'call.transfer-started:b1',
    'call.transferred:b1',
    'message.taken',
    'call.ended:u1',
    'call.ended:b1',
  ];
  const ended = (count: number) => (all: Message[]) => all.filter((m) => m.type === 'call.ended').length === count;

  it('gives operators, auditors and region admins every event whole, as they read every queue and call over the API', async () => {
    const app = await start();
    const clients = await Promise.all(
      (['operator', 'auditor', 'region-admin'] as const).map(
        async (role) => [role, await connect(app.base, await app.tokenFor(role))] as const,
      ),
    );
    await traffic(app);
    for (const [role, client] of clients) {
      await client.until(ended(2), `${role}: both calls to end`);
      expect(typesOf(client.events()), role).toEqual(everything);
      // The transfer's target (a citizen's or another organisation's number) and the message, as GET /calls and /messages show them.
      expect(
        client.events().find((e) => e.type === 'call.transferred'),
        role,
      ).toMatchObject({ callId: 'b1', target: '+4690123456', municipalityId: BJURHOLM });
      expect(
        client.events().find((e) => e.type === 'message.taken'),
        role,
      ).toMatchObject({ messageId: 'm1', entryId: 'e1' });
    }
  });

  it('gives a municipality admin (no calls:read) only their municipality’s call events, as bare facts without ids, numbers or operators', async () => {
    const app = await start();
    const bjurholmAdmin = await connect(app.base, await app.tokenFor('municipality-admin', BJURHOLM));
    const umeaAdmin = await connect(app.base, await app.tokenFor('municipality-admin', UMEA));
    await traffic(app);

    await bjurholmAdmin.until(ended(1), 'b1 to end');
    await umeaAdmin.until(ended(1), 'u1 to end');
    // Their statistics count these; their wallboard re-reads the day's figures on call.ended.
    expect(bjurholmAdmin.events().map((e) => e.type)).toEqual([
      'call.queued',
      'call.offered',
      'call.answered',
      'call.transfer-started',
      'call.transferred',
      'call.ended',
    ]);
    expect(umeaAdmin.events().map((e) => e.type)).toEqual(['call.queued', 'call.ended']);
    for (const event of [...bjurholmAdmin.events(), ...umeaAdmin.events()]) {
      expect(Object.keys(event).sort()).toEqual(['at', 'municipalityId', 'seq', 'type']);
    }
    expect(new Set(bjurholmAdmin.events().map((e) => e.municipalityId))).toEqual(new Set([BJURHOLM]));
    expect(new Set(umeaAdmin.events().map((e) => e.municipalityId))).toEqual(new Set([UMEA]));
    // The same events as everyone's, by their seqs: redacted, not made up.
    const stored = new Map(((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).map((s) => [s.id, s.message]));
    for (const event of bjurholmAdmin.events())
      expect(stored.get(event.seq)).toMatchObject({ type: event.type, municipalityId: BJURHOLM });
  });

  it('resumes a filtered client after the events it saw, or after `live`, without gaps or a reset', async () => {
    const app = await start();
    const token = await app.tokenFor('municipality-admin', BJURHOLM);
    const first = await connect(app.base, token);
    await app.queue.enqueue(caller('b1', BJURHOLM));
    const lastSeen = (await first.until((m) => m.some((e) => e.type === 'call.queued'), 'b1')).at(-1)!.seq;
    // Umeå's events after it are not theirs: the stream moves on without them.
    await app.queue.enqueue(caller('u1', UMEA));
    await app.queue.finish('u1');
    first.ws.terminate();

    await app.queue.enqueue(caller('b2', BJURHOLM));
    await app.queue.enqueue(caller('u2', UMEA));
    const again = await connect(`${app.base}?since=${lastSeen}`, token);
    expect(again.messages.map((m) => m.type)).toEqual(['call.queued', 'live']);
    // `live` names the stream's end, an event they did not get (u2's): resuming from it is as good.
    const end = ((await ctx.redis.xRevRange(ctx.k.events(), '+', '-', { COUNT: 1 })) ?? [])[0]!.id;
    expect(again.messages[1]).toEqual({ type: 'live', seq: end });
    again.ws.terminate();

    await app.queue.finish('u2');
    await app.queue.finish('b2');
    const third = await connect(`${app.base}?since=${end}`, token);
    expect(third.messages.map((m) => m.type)).toEqual(['call.ended', 'live']);
    await app.queue.finish('b1');
    await third.until((m) => m.filter((e) => e.type === 'call.ended').length === 2, 'b1 to end, live');
  });

  it('answers a plain GET (no upgrade) with 426, and describes the endpoint in the API document', async () => {
    const app = await start();
    const plain = await app.call('GET', '/api/v1/events', { auth: await app.tokenFor('operator') });
    expect(plain).toMatchObject({ status: 426, body: { error: { code: 'websocket_required' } } });
    expect((await app.call('GET', '/api/v1/events')).status).toBe(401);
    const document = await app.call('GET', '/api/openapi.json');
    expect(Object.keys(document.body.paths as object)).toContain('/api/v1/events');
  });

  it('closes every socket of a revoked token within a second (the ping’s re-check being 30 s off), and only those', async () => {
    const app = await start();
    const created = await app.tokens.create({ name: 'console', role: 'operator' }, localActor('test'));
    const [first, second] = [
      await connect(app.base, created.token),
      await connect(`${app.base}?access_token=${created.token}`),
    ];
    const other = await connect(app.base, await app.tokenFor('operator'));
    const closings = [first, second].map((client) => closeOf(client.ws));

    const revokedAt = Date.now();
    await app.tokens.revoke(created.record.id, localActor('test'));
    for (const closing of closings) {
      const closed = await closing;
      expect(closed).toMatchObject({ code: CLOSE_CODES.tokenInvalid, reason: 'token revoked' });
      expect(closed.at - revokedAt).toBeLessThan(1000);
    }
    // Another token's socket goes on.
    await app.queue.enqueue(caller('a', BJURHOLM));
    await other.until((m) => m.some((e) => e.callId === 'a'), 'call a on the other socket');
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket when its token expires, at the moment it expires', async () => {
    const app = await start();
    const created = await app.tokens.create({ name: 'short', role: 'operator' }, localActor('test'));
    // A token expiring in 1.5 s, as Redis would hold one made a year ago.
    const sha = (await ctx.redis.hGet(ctx.k.tokens(), created.record.id))!;
    const expiresAt = Date.now() + 1500;
    await ctx.redis.set(
      ctx.k.token(sha),
      JSON.stringify({ ...created.record, expiresAt: new Date(expiresAt).toISOString() }),
    );
    const client = await connect(app.base, created.token);
    const closed = await closeOf(client.ws);
    expect(closed).toMatchObject({ code: CLOSE_CODES.tokenInvalid, reason: 'token expired' });
    expect(closed.at).toBeGreaterThanOrEqual(expiresAt);
    expect(closed.at - expiresAt).toBeLessThan(500);
  });

  it('lets a token have 5 sockets open at once: a 6th is closed with 4429 and says why; one closing makes room', async () => {
    const app = await start();
    const token = await app.tokenFor('operator');
    const open = await Promise.all(
      Array.from({ length: DEFAULT_MAX_SOCKETS_PER_TOKEN }, () => connect(app.base, token)),
    );
    expect(await closeOf(await opened(app.base, token))).toMatchObject({
      code: 4429,
      reason: 'this token has 5 event sockets open: close one first',
    });
    // Others are not held up by this token's sockets.
    await connect(app.base, await app.tokenFor('operator'));

    const leaving = closeOf(open[0]!.ws);
    open[0]!.ws.close();
    await leaving;
    await eventuallyConnects(app.base, token);
  });

  it('refuses sockets over the process’s limit with 1013 (try again later), whatever the token', async () => {
    const app = await start({ maxSockets: 3 });
    for (let i = 0; i < 3; i++) await connect(app.base, await app.tokenFor('operator'));
    expect(await closeOf(await opened(app.base, await app.tokenFor('auditor')))).toMatchObject({
      code: 1013,
      reason: 'the switchboard has its 3 event sockets open: try again later',
    });
  });

  it('refuses a missing or unknown token with 401 before upgrading, and a bad since with 400', async () => {
    const app = await start();
    const token = await app.tokenFor('operator');

    expect((await refusal(app.base)).status).toBe(401);
    const unknown = await refusal(app.base, { authorization: 'Bearer not-a-token' });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await refusal(`${app.base}?access_token=nope`)).status).toBe(401);
    for (const since of ['yesterday', '18446744073709551616-0']) {
      const badSince = await refusal(`${app.base}?since=${since}`, { authorization: `Bearer ${token}` });
      expect(badSince.status).toBe(400);
      expect(JSON.parse(badSince.body)).toMatchObject({
        error: { code: 'invalid_request', details: [{ field: 'query.since' }] },
      });
    }
    expect(
      (await refusal(app.base.replace('/events', '/elsewhere'), { authorization: `Bearer ${token}` })).status,
    ).toBe(404);

    // A browser's way: the token in the query.
    const browser = await connect(`${app.base}?access_token=${token}`);
    await app.queue.enqueue(caller('a', BJURHOLM));
    await browser.until((m) => m.some((e) => e.type === 'call.queued'), 'call a');
  });
});
