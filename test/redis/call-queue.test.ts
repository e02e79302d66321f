import { describe, expect, it } from 'vitest';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { BJURHOLM, NORDMALING, UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

function setup() {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const login = (id: string, municipalities: string[]) =>
    operators.login(id, { name: `Operator ${id}`, phone: `sip:${id}@phones.example`, municipalities });
  /** Ids of the calls waiting in a municipality's queue, first in line first. */
  const waitingIds = async (municipalityId: string) =>
    (await queue.listWaiting(municipalityId)).map((w) => w.record.callId);
  return { queue, operators, login, waitingIds };
}

describe('enqueue', () => {
  it('keeps each municipality in strict arrival order, even within one millisecond', async () => {
    const { queue, waitingIds } = setup();
    const positions = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) positions.push((await queue.enqueue(caller(id, BJURHOLM))).position);
    await queue.enqueue(caller('x', UMEA));

    expect(positions).toEqual([1, 2, 3, 4, 5]);
    expect(await waitingIds(BJURHOLM)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await waitingIds(UMEA)).toEqual(['x']);
  });

  it('stores a typed record and indexes it as active, by time and by municipality', async () => {
    const { queue } = setup();
    const { record } = await queue.enqueue({
      ...caller('c1', BJURHOLM),
      caller: 'anonymous',
      reason: 'regional-number',
    });

    expect(record).toEqual({
      callId: 'c1',
      channelId: 'c1',
      municipalityId: BJURHOLM,
      calledNumber: '+4693214000',
      caller: 'anonymous',
      reason: 'regional-number',
      state: 'waiting',
      enqueuedAt: expect.any(Number),
      place: expect.any(Number),
      attempts: 0,
    });
    expect(Math.abs(record.enqueuedAt - Date.now())).toBeLessThan(5_000);
    expect(await queue.get('c1')).toEqual(record);
    expect(await queue.activeCallIds()).toEqual(['c1']);
    expect((await queue.listRecords({ municipalityId: BJURHOLM, limit: 10 })).map((r) => r.callId)).toEqual(['c1']);
    expect(await queue.listRecords({ municipalityId: UMEA, limit: 10 })).toEqual([]);
  });

  it('is safe to repeat after a lost reply: the same call is queued once, at its first place', async () => {
    const { queue, waitingIds } = setup();
    const first = await queue.enqueue(caller('a', BJURHOLM));
    await queue.enqueue(caller('b', BJURHOLM));
    const again = await queue.enqueue(caller('a', BJURHOLM));

    expect(again).toEqual(first);
    expect(await waitingIds(BJURHOLM)).toEqual(['a', 'b']);
    expect(await queue.listRecords({ limit: 10 })).toHaveLength(2);
  });

  it('reports position 0 when a repeated enqueue finds the call already taken', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.claimNext('op1');

    const again = await queue.enqueue(caller('a', BJURHOLM));
    expect(again.position).toBe(0);
    expect(again.record.state).toBe('connecting');
  });

  it('refuses a call id that is already used by another channel', async () => {
    const { queue } = setup();
    await queue.enqueue(caller('a', BJURHOLM));
    await expect(queue.enqueue({ ...caller('a', BJURHOLM), channelId: 'other' })).rejects.toMatchObject({
      status: 409,
      code: 'call_exists',
    });
    await expect(queue.enqueue(caller('a', UMEA))).rejects.toMatchObject({ status: 409, code: 'call_exists' });
  });
});

describe('claimNext', () => {
  it('takes the longest-waiting call across the municipalities the operator serves', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM, NORDMALING]);
    for (const [id, m] of [
      ['b1', BJURHOLM],
      ['n1', NORDMALING],
      ['u1', UMEA],
      ['b2', BJURHOLM],
      ['n2', NORDMALING],
    ] as const) {
      await queue.enqueue(caller(id, m));
    }

    const taken = [];
    for (;;) {
      const call = await queue.claimNext('op1');
      if (!call) break;
      taken.push(call.callId);
      await queue.finish(call.callId); // frees the operator for the next one
    }
    expect(taken).toEqual(['b1', 'n1', 'b2', 'n2']);
    expect((await queue.listWaiting(UMEA)).map((w) => w.record.callId)).toEqual(['u1']);
  });

  it('only gives an operator calls of municipalities they serve', async () => {
    const { queue, login, waitingIds } = setup();
    await login('op1', [UMEA]);
    await queue.enqueue(caller('b1', BJURHOLM));

    expect(await queue.claimNext('op1')).toBeNull();
    expect(await waitingIds(BJURHOLM)).toEqual(['b1']);
  });

  it('offers the call: call and operator connecting, on a leg id of their own', async () => {
    const { queue, operators, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.enqueue(caller('b', BJURHOLM));

    const call = await queue.claimNext('op1');
    expect(call).toMatchObject({
      callId: 'a',
      state: 'connecting',
      operatorId: 'op1',
      attempts: 1,
      operatorChannelId: 'a-op1',
    });
    expect(await queue.get('a')).toEqual(call);
    expect(await operators.get('op1')).toMatchObject({ state: 'connecting', callId: 'a' });
    expect(await queue.listWaiting(BJURHOLM)).toMatchObject([{ record: { callId: 'b' }, position: 1 }]);
  });

  it('refuses an operator who is busy or not logged in, and leaves the queue alone', async () => {
    const { queue, login, waitingIds } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.enqueue(caller('b', BJURHOLM));
    await queue.claimNext('op1');

    await expect(queue.claimNext('op1')).rejects.toMatchObject({ status: 409, code: 'operator_busy' });
    await queue.markAnswered('a', 'a-op1');
    await expect(queue.claimNext('op1')).rejects.toMatchObject({ status: 409, code: 'operator_busy' });
    await expect(queue.claimCall('op1', 'b')).rejects.toMatchObject({ status: 409, code: 'operator_busy' });
    await expect(queue.claimNext('nobody')).rejects.toMatchObject({ status: 409, code: 'operator_not_logged_in' });
    expect(await waitingIds(BJURHOLM)).toEqual(['b']);
  });
});

describe('claimCall', () => {
  it('takes a particular call out of the middle of the queue', async () => {
    const { queue, login, waitingIds } = setup();
    await login('op1', [BJURHOLM]);
    for (const id of ['a', 'b', 'c']) await queue.enqueue(caller(id, BJURHOLM));

    expect(await queue.claimCall('op1', 'b')).toMatchObject({ callId: 'b', state: 'connecting', operatorId: 'op1' });
    expect(await waitingIds(BJURHOLM)).toEqual(['a', 'c']);
  });

  it('is safe to repeat after a lost reply: the operator gets the same call back', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    const first = await queue.claimCall('op1', 'a');
    expect(await queue.claimCall('op1', 'a')).toEqual(first);
  });

  it('says precisely why a call cannot be taken', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM]);
    await login('op2', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.enqueue(caller('u', UMEA));
    await queue.claimCall('op2', 'a');

    await expect(queue.claimCall('op1', 'nope')).rejects.toMatchObject({ status: 404, code: 'call_not_found' });
    await expect(queue.claimCall('op1', '')).rejects.toMatchObject({ status: 404, code: 'call_not_found' });
    await expect(queue.claimCall('op1', 'u')).rejects.toMatchObject({ status: 403, code: 'municipality_not_served' });
    await expect(queue.claimCall('op1', 'a')).rejects.toMatchObject({
      status: 409,
      code: 'call_not_waiting',
      message: 'call a is not waiting in a queue',
    });
  });
});

describe('requeue', () => {
  it('puts the call back at its original place, ahead of later callers', async () => {
    const { queue, operators, login, waitingIds } = setup();
    await login('op1', [BJURHOLM]);
    for (const id of ['a', 'b', 'c']) await queue.enqueue(caller(id, BJURHOLM));
    const offered = await queue.claimNext('op1');
    await queue.enqueue(caller('d', BJURHOLM));

    const back = await queue.requeue('a', offered!.operatorChannelId!);
    expect(back).toMatchObject({
      position: 1,
      record: { callId: 'a', state: 'waiting', place: offered!.place, attempts: 1 },
    });
    expect(back!.record.operatorId).toBeUndefined();
    expect(await waitingIds(BJURHOLM)).toEqual(['a', 'b', 'c', 'd']);
    expect(await operators.get('op1')).toMatchObject({ state: 'available' });
    expect((await operators.get('op1'))!.callId).toBeUndefined();

    // Offered again, it is a new attempt on a new operator leg.
    expect(await queue.claimNext('op1')).toMatchObject({ callId: 'a', attempts: 2, operatorChannelId: 'a-op2' });
  });

  it('ignores a late event of an earlier offer and is safe to repeat', async () => {
    const { queue, operators, login, waitingIds } = setup();
    await login('op1', [BJURHOLM]);
    await login('op2', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.claimNext('op1');

    const first = await queue.requeue('a', 'a-op1');
    expect(await queue.requeue('a', 'a-op1')).toEqual(first);
    await queue.claimNext('op2');
    expect(await queue.requeue('a', 'a-op1')).toBeNull();
    expect(await queue.get('a')).toMatchObject({ state: 'connecting', operatorId: 'op2', operatorChannelId: 'a-op2' });
    expect(await operators.get('op2')).toMatchObject({ state: 'connecting', callId: 'a' });
    expect(await waitingIds(BJURHOLM)).toEqual([]);

    await queue.markAnswered('a', 'a-op2');
    expect(await queue.requeue('a', 'a-op2')).toBeNull();
    expect(await queue.get('a')).toMatchObject({ state: 'answered' });
  });
});

describe('markAnswered', () => {
  it('bridges: call answered with its wait, operator on-call; repeatable', async () => {
    const { queue, operators, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await sleep(30);
    await queue.claimNext('op1');

    const answered = await queue.markAnswered('a', 'a-op1');
    expect(answered).toMatchObject({ state: 'answered', operatorId: 'op1', operatorChannelId: 'a-op1' });
    expect(answered.waitMs).toBe(answered.answeredAt! - answered.enqueuedAt);
    expect(answered.waitMs).toBeGreaterThanOrEqual(25);
    expect(await operators.get('op1')).toMatchObject({ state: 'on-call', callId: 'a' });
    expect(await queue.markAnswered('a', 'a-op1')).toEqual(answered);
  });

  it('refuses a call that is not being offered, or a leg of an earlier offer', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));

    await expect(queue.markAnswered('nope', 'x')).rejects.toMatchObject({ status: 404, code: 'call_not_found' });
    await expect(queue.markAnswered('a', 'a-op1')).rejects.toMatchObject({ status: 409, code: 'operator_leg_stale' });
    await queue.claimNext('op1');
    await queue.requeue('a', 'a-op1');
    await expect(queue.markAnswered('a', 'a-op1')).rejects.toMatchObject({ status: 409, code: 'call_not_connecting' });
    await queue.claimNext('op1');
    await expect(queue.markAnswered('a', 'a-op1')).rejects.toMatchObject({ status: 409, code: 'operator_leg_stale' });
    expect(await queue.get('a')).toMatchObject({ state: 'connecting' });
  });
});

describe('finish', () => {
  it('abandons a waiting call: exactly that call leaves, the others keep their order', async () => {
    const { queue, waitingIds } = setup();
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue(caller(id, BJURHOLM));
    await sleep(30);

    const ended = await queue.finish('b');
    expect(ended).toMatchObject({ state: 'ended', outcome: 'abandoned' });
    expect(ended!.waitMs).toBe(ended!.endedAt! - ended!.enqueuedAt);
    expect(ended!.waitMs).toBeGreaterThanOrEqual(25);
    expect(ended!.answeredAt).toBeUndefined();
    expect(await waitingIds(BJURHOLM)).toEqual(['a', 'c', 'd']);
    expect((await queue.listWaiting(BJURHOLM)).map((w) => w.position)).toEqual([1, 2, 3]);
    expect((await queue.activeCallIds()).sort()).toEqual(['a', 'c', 'd']);
  });

  it('abandons a call whose operator phone was ringing, and frees the operator', async () => {
    const { queue, operators, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.enqueue(caller('b', BJURHOLM));
    await queue.claimNext('op1');

    expect(await queue.finish('a')).toMatchObject({ state: 'ended', outcome: 'abandoned', operatorId: 'op1' });
    const operator = await operators.get('op1');
    expect(operator).toMatchObject({ state: 'available' });
    expect(operator!.callId).toBeUndefined();
    expect(await queue.claimNext('op1')).toMatchObject({ callId: 'b' });
  });

  it('ends an answered call with talk time consistent with its timestamps', async () => {
    const { queue, operators, login } = setup();
    await login('op1', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await sleep(20);
    await queue.claimNext('op1');
    await queue.markAnswered('a', 'a-op1');
    await sleep(40);

    const ended = (await queue.finish('a'))!;
    expect(ended).toMatchObject({ state: 'ended', outcome: 'answered', operatorId: 'op1' });
    expect(ended.enqueuedAt).toBeLessThanOrEqual(ended.answeredAt!);
    expect(ended.answeredAt).toBeLessThanOrEqual(ended.endedAt!);
    expect(ended.waitMs).toBe(ended.answeredAt! - ended.enqueuedAt);
    expect(ended.talkMs).toBe(ended.endedAt! - ended.answeredAt!);
    expect(ended.talkMs).toBeGreaterThanOrEqual(35);
    expect(await operators.get('op1')).toMatchObject({ state: 'available' });
    expect(await queue.activeCallIds()).toEqual([]);
  });

  it('is idempotent on an ended call and returns null for a call never queued', async () => {
    const { queue } = setup();
    await queue.enqueue(caller('a', BJURHOLM));
    const ended = await queue.finish('a');
    await sleep(5);
    expect(await queue.finish('a')).toEqual(ended);
    expect(await queue.finish('never-queued')).toBeNull();
  });

  it('ends a call on an operator hang-up only when it was answered on that leg', async () => {
    const { queue, login } = setup();
    await login('op1', [BJURHOLM]);
    await login('op2', [BJURHOLM]);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.claimNext('op1');
    await queue.requeue('a', 'a-op1');

    expect(await queue.finish('a', { operatorChannelId: 'a-op1' })).toBeNull();
    await queue.claimNext('op2');
    expect(await queue.finish('a', { operatorChannelId: 'a-op2' })).toBeNull(); // ringing, not answered
    await queue.markAnswered('a', 'a-op2');
    expect(await queue.finish('a', { operatorChannelId: 'a-op1' })).toBeNull();
    expect(await queue.get('a')).toMatchObject({ state: 'answered' });
    expect(await queue.finish('a', { operatorChannelId: 'a-op2' })).toMatchObject({
      state: 'ended',
      outcome: 'answered',
    });
  });
});

describe('reading', () => {
  it('lists waiting calls with positions and waiting times by the Redis clock', async () => {
    const { queue } = setup();
    await queue.enqueue(caller('a', BJURHOLM));
    await sleep(30);
    await queue.enqueue(caller('b', BJURHOLM));

    const [a, b] = await queue.listWaiting(BJURHOLM);
    expect(a).toMatchObject({ position: 1, record: { callId: 'a' } });
    expect(b).toMatchObject({ position: 2, record: { callId: 'b' } });
    expect(a!.waitingMs).toBeGreaterThanOrEqual(25);
    expect(a!.waitingMs - b!.waitingMs).toBe(b!.record.enqueuedAt - a!.record.enqueuedAt);
    expect(await queue.listWaiting(UMEA)).toEqual([]);
  });

  it('counts waiting calls per municipality', async () => {
    const { queue } = setup();
    for (const [id, m] of [
      ['b1', BJURHOLM],
      ['b2', BJURHOLM],
      ['u1', UMEA],
    ] as const)
      await queue.enqueue(caller(id, m));
    expect(await queue.waitingCounts([BJURHOLM, UMEA, NORDMALING])).toEqual({
      [BJURHOLM]: 2,
      [UMEA]: 1,
      [NORDMALING]: 0,
    });
    expect(await queue.waitingCounts([])).toEqual({});
  });

  it('lists records newest first, by municipality, a page at a time', async () => {
    const { queue } = setup();
    for (const [id, m] of [
      ['1', BJURHOLM],
      ['2', UMEA],
      ['3', BJURHOLM],
      ['4', BJURHOLM],
    ] as const) {
      await queue.enqueue(caller(id, m));
      await sleep(3); // distinct milliseconds, so that the pages have clean boundaries
    }
    await queue.finish('3');

    const ids = (records: { callId: string }[]) => records.map((r) => r.callId);
    expect(ids(await queue.listRecords({ limit: 10 }))).toEqual(['4', '3', '2', '1']);
    expect(ids(await queue.listRecords({ municipalityId: BJURHOLM, limit: 10 }))).toEqual(['4', '3', '1']);
    const firstPage = await queue.listRecords({ limit: 2 });
    expect(ids(firstPage)).toEqual(['4', '3']);
    expect(firstPage[1]).toMatchObject({ state: 'ended' });
    expect(ids(await queue.listRecords({ limit: 2, before: firstPage[1]!.enqueuedAt }))).toEqual(['2', '1']);
    expect(await queue.get('nope')).toBeNull();
  });
});
