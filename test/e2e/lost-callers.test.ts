import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLabSwitchboard } from '../support/lab-switchboard.js';
import type { SippProcess } from '../support/sipp.js';
import { controlHelpers } from './call-control-support.js';

/**
 * Callers lost without the switchboard seeing it are never rung to an operator
 * (operators/answer-call.ts, media/nodes/node-router.ts), and an Asterisk that dies in the lab
 * is started again (lab/asterisk-supervisor.ts) while /health says its node is down.
 */
let lab: Awaited<ReturnType<typeof startLabSwitchboard>>;
let h: ReturnType<typeof controlHelpers>;
const sipps: SippProcess[] = [];
beforeAll(async () => {
  lab = await startLabSwitchboard({ supervised: true, redisAof: true, ringSeconds: 10 });
  h = controlHelpers(lab);
});
afterAll(async () => {
  await Promise.all(sipps.map((sipp) => sipp.stop()));
  await lab?.stop();
});

type Health = { status: string; ari: { ok: boolean; mediaNode: string }; mediaNodes?: { node: string; up: boolean }[] };
const health = async () => (await lab.api<Health>('GET', '/health')).body;
const ownNodeUp = async () => {
  const body = await health();
  return body.mediaNodes?.find((n) => n.node === body.ari.mediaNode)?.up;
};

/** Two callers of Vännäs, the first to hang up after `firstHangsUpAfterMs`; their call ids in their order. */
async function twoCallers(firstHangsUpAfterMs: number) {
  const first = await h.caller('093514100', firstHangsUpAfterMs);
  const [gone] = await eventually(async () => {
    const calls = (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls;
    return calls.length === 1 ? calls : undefined;
  });
  const second = await h.caller('093514100', 60_000);
  sipps.push(first, second);
  const waiting = await eventually(async () => {
    const calls = (await lab.api<{ calls: { callId: string }[] }>('GET', '/api/v1/queues/2460')).body.calls;
    return calls.length === 2 ? calls : undefined;
  });
  expect(waiting[0]!.callId).toBe(gone!.callId);
  return { first, gone: gone!.callId, next: waiting[1]!.callId };
}

/** The operator takes the next call with a phone that answers once: the phone rings only for `expected`. */
async function answerNextIs(expected: string) {
  const phone = await h.answeringPhone(1, 2_000);
  sipps.push(phone);
  await h.login(lab.api, phone.localPort);
  const taken = await lab.api<{ call: { callId: string } | null }>('POST', '/api/v1/operator/answer-next');
  expect(taken).toMatchObject({ status: 200, body: { call: { callId: expected } } });
  expect(await h.callWhere(expected, 'answered and ended', (c) => c.state === 'ended')).toMatchObject({
    outcome: 'answered',
  });
  // One call reached the phone: no ghost before it.
  expect((await phone.done).stats).toMatchObject({ created: 1, successful: 1, failed: 0 });
  await lab.api('DELETE', '/api/v1/operator/session');
}

describe.sequential('callers gone unseen', () => {
  it('a caller who hung up while the app was down is never rung to an operator: the next caller is', async () => {
    const { first, gone, next } = await twoCallers(3_000);
    await lab.stopApp();
    expect((await first.done).stats).toMatchObject({ successful: 1 });
    await lab.startApp();
    await answerNextIs(next);
    expect(await h.record(gone)).toMatchObject({ state: 'ended', outcome: 'abandoned' });
  });

  it('a caller whose hang-up fell in a Redis outage is ended when an operator asks for a call, and the next is rung in the same request', async () => {
    const { first, gone, next } = await twoCallers(2_000);
    await lab.redis.kill();
    // The app sees the hang-up but cannot write it: Redis still says the caller waits.
    expect((await first.done).stats).toMatchObject({ successful: 1 });
    await lab.redis.restart();
    await eventually(ownNodeUp, { what: 'the node beating again' });
    expect(await h.record(gone)).toMatchObject({ state: 'waiting' });
    await answerNextIs(next);
    expect(await h.record(gone)).toMatchObject({ state: 'ended', outcome: 'abandoned', attempts: 1 });
  });
});

it('Asterisk dies in the lab: it is started again, /health says its node is down meanwhile, and calls are taken again afterwards', async () => {
  const lost = await h.caller('093514100', 60_000);
  sipps.push(lost);
  const { callId: lostId } = await h.firstWaiting('2460');

  process.kill(lab.asterisk.pid, 'SIGKILL');
  const down = await eventually(
    async () => {
      const body = await health();
      return body.status === 'degraded' && !body.ari.ok && (await ownNodeUp()) === false ? body : undefined;
    },
    { what: '/health saying the node is down' },
  );
  expect(down.ari.ok).toBe(false);
  await eventually(async () => ((await health()).status === 'ok' ? true : undefined), {
    what: 'Asterisk started again and ARI back',
    timeoutMs: 30_000,
  });

  // Its caller went with it: not abandoned, lost.
  expect(await h.callWhere(lostId, 'ended', (c) => c.state === 'ended')).toMatchObject({ outcome: 'media-node-lost' });
  const again = await h.caller('093514100', 60_000);
  sipps.push(again);
  const { callId } = await h.firstWaiting('2460');
  await answerNextIs(callId);
});
