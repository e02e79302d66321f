import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import type { SippProcess } from '../support/sipp.js';
import { controlHelpers } from './call-control-support.js';

/**
 * Redis that fails over (docs/decisions.md, "Redis that fails over"): the switchboard on a
 * primary, a replica and three sentinels (lab/redis-ha.ts, as `npm run lab -- start --ha`),
 * the primary killed -9 while 10 callers wait and 2 talk.
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
const sipps: SippProcess[] = [];
beforeAll(async () => {
  lab = await startLabSwitchboard({ redisHa: true, ringSeconds: 10 });
  h = controlHelpers(lab);
});
afterAll(async () => {
  await Promise.all(sipps.map((sipp) => sipp.stop()));
  await lab?.stop();
});

type Event = { type: string; seq: string; callId?: string };

/** The events WebSocket as a console uses it, every message kept; `since` replays from there. */
async function events(since?: string) {
  const url = `${lab.switchboard.url.replace('http', 'ws')}/api/v1/events${since ? `?since=${since}` : ''}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${lab.operatorToken}` } });
  const received: Event[] = [];
  let closed = false;
  ws.on('message', (data) => received.push(JSON.parse(String(data)) as Event));
  ws.on('close', () => (closed = true));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await eventually(async () => (received.some((e) => e.type === 'live') ? true : undefined), {
    what: 'the events socket live',
  });
  return { received, closed: () => closed, close: () => ws.close() };
}

const waitingIds = async () =>
  (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls.map((c) => c.callId);

it('keeps every caller’s place, every conversation and every event across a failover of the primary', async () => {
  const start =
    ((await lab.switchboard.redis.xRevRange(lab.switchboard.keys.events(), '+', '-', { COUNT: 1 })) ?? [])[0]?.id ??
    '0-0';
  const live = await events();

  // Two operators, each talking to a caller.
  const second = await h.operatorClient('second operator');
  const talks: string[] = [];
  for (const operator of [lab.api, second.api]) {
    const phone = await h.answeringPhone(1, 120_000);
    sipps.push(phone);
    await h.login(operator, phone.localPort);
    const { callId, sipp } = await h.answeredCall(operator, '093514100', 120_000);
    sipps.push(sipp);
    talks.push(callId);
  }
  // Ten callers waiting, one after the other so that their order is known.
  for (let n = 1; n <= 10; n++) {
    sipps.push(await h.caller('093514100', 120_000));
    await eventually(async () => ((await waitingIds()).length === n ? true : undefined), {
      what: `${n} callers waiting`,
    });
  }
  const waiting = await waitingIds();

  // Every change so far is on the replica: answered once it had it, or (when a WAIT outlasted its
  // timeout on a loaded machine) confirmed by the recheck that turns `confirming` back on.
  const replication = async () =>
    (await lab.api<{ redis: { replication?: { required: number; confirming: boolean } } }>('GET', '/health')).body.redis
      .replication;
  expect(
    await eventually(async () => ((await replication())?.confirming ? replication() : undefined), {
      what: 'the replica confirming every change',
    }),
  ).toEqual({ required: 1, confirming: true });

  const primary = await lab.redisHa!.master();
  await primary.kill();
  // The sentinels promote the replica; the switchboard follows it by itself.
  await eventually(async () => ((await lab.redisHa!.master().catch(() => primary)) !== primary ? true : undefined), {
    what: 'the replica promoted',
    timeoutMs: 20_000,
  });
  expect(
    await eventually(async () => ((await waitingIds().catch(() => [])).length === 10 ? waitingIds() : undefined), {
      timeoutMs: 20_000,
      what: 'the queue read again',
    }),
  ).toEqual(waiting);

  // The two talk on: Redis still says so, and Asterisk still has them bridged.
  for (const [i, callId] of talks.entries()) {
    expect(await h.record(callId)).toMatchObject({ state: 'answered', operatorChannelId: `${callId}-op1` });
    await h.bridgeWith(`${callId}-talk`, [callId, `${callId}-op1`]);
    expect((await [lab.api, second.api][i]!('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(200);
  }

  // One operator answers the ten, in their order, each a short talk.
  const phone = await h.answeringPhone(10, 1_000);
  sipps.push(phone);
  await lab.api('DELETE', '/api/v1/operator/session');
  await h.login(lab.api, phone.localPort);
  const answered: string[] = [];
  for (const callId of waiting) {
    await eventually(async () => ((await h.operatorState()) === 'available' ? true : undefined), {
      what: 'the operator free',
    });
    const taken = await lab.api<{ call: { callId: string } | null }>('POST', '/api/v1/operator/answer-next');
    answered.push(taken.body.call?.callId ?? 'none');
    await h.callWhere(callId, 'answered and ended', (c) => c.state === 'ended', 15_000);
  }
  expect(answered).toEqual(waiting);
  // The old primary is gone, so nothing confirms now: changes go on, and /health says so.
  expect(await replication()).toEqual({ required: 1, confirming: false });
  for (const callId of waiting) expect(await h.record(callId)).toMatchObject({ outcome: 'answered' });

  // The live socket never closed, and a replay from before the failover has every event it had.
  expect(live.closed()).toBe(false);
  const lastSeq = live.received.filter((e) => e.seq && e.type !== 'live').at(-1)!.seq;
  const replay = await events(start);
  await eventually(async () => (replay.received.some((e) => e.seq === lastSeq) ? true : undefined), {
    what: 'the replay caught up',
  });
  const seqs = (list: Event[]) =>
    list.filter((e) => e.type !== 'live' && e.type !== 'reset').map((e) => `${e.seq} ${e.type} ${e.callId ?? ''}`);
  expect(replay.received.some((e) => e.type === 'reset')).toBe(false);
  expect(seqs(replay.received)).toEqual(expect.arrayContaining(seqs(live.received)));
  for (const callId of [...talks, ...waiting]) {
    for (const type of ['call.queued', 'call.offered', 'call.answered', 'call.ended']) {
      expect(
        replay.received.some((e) => e.type === type && e.callId === callId),
        `${type} of ${callId}`,
      ).toBe(true);
    }
  }
  live.close();
  replay.close();
});
