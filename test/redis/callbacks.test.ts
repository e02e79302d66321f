import { describe, expect, it } from 'vitest';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import { createControlStore } from '../../src/media/call-control/control-store.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { testDialling } from '../support/dialling.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

function setup() {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  const callbacks = createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds);
  const control = createControlStore(ctx.redis, ctx.k);
  const waitingIds = async () => (await queue.listWaiting(UMEA)).map((w) => w.record.callId);
  const login = (id: string) =>
    operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities: [UMEA] });
  return { queue, operators, callbacks, control, waitingIds, login };
}

describe('call-backs', () => {
  it('take the booked call’s original place: ahead of later callers, behind earlier ones', async () => {
    const { queue, callbacks, waitingIds } = setup();
    for (const id of ['a', 'b', 'c']) await queue.enqueue(caller(id, UMEA));

    const { callback, call } = await callbacks.book({ callId: 'b' });
    expect(callback).toMatchObject({
      callId: 'b-cb',
      channelId: 'b-cb-dial',
      kind: 'callback',
      callbackOf: 'b',
      state: 'waiting',
      caller: '+46701234567',
      place: call.place,
    });
    expect(call).toMatchObject({ state: 'ended', outcome: 'callback-booked', callbackId: 'b-cb' });
    expect(await waitingIds()).toEqual(['a', 'b-cb', 'c']);
    // A retried booking (lost reply) gives the same call-back; nothing moves.
    expect((await callbacks.book({ callId: 'b' })).callback.callId).toBe('b-cb');
    expect(await waitingIds()).toEqual(['a', 'b-cb', 'c']);
    // The call-back is active (reconciled after a restart), the booked call is not.
    expect((await queue.activeCallIds()).sort()).toEqual(['a', 'b-cb', 'c']);
  });

  it('is claimed like any call, by the operator who asks for the next one', async () => {
    const { queue, callbacks, login } = setup();
    await queue.enqueue(caller('a', UMEA));
    await queue.enqueue(caller('b', UMEA));
    await callbacks.book({ callId: 'a', number: '+4690123456' });
    await login('op');
    expect(await queue.claimNext('op')).toMatchObject({
      callId: 'a-cb',
      caller: '+4690123456',
      state: 'connecting',
      operatorChannelId: 'a-cb-op1',
    });
  });

  it('waits outside the queue until its window begins, then takes its place', async () => {
    const { queue, callbacks, waitingIds, login } = setup();
    for (const id of ['a', 'b', 'c']) await queue.enqueue(caller(id, UMEA));
    const from = Date.now() + 300;
    const { callback } = await callbacks.book({ callId: 'a', windowFrom: from, windowTo: from + 3_600_000 });
    expect(callback.state).toBe('scheduled');
    expect(await callbacks.releaseDue()).toEqual([]);
    expect(await waitingIds()).toEqual(['b', 'c']);
    // Not yet offered, not even when picked by id.
    await login('op');
    await expect(queue.claimCall('op', 'a-cb')).rejects.toMatchObject({ status: 409, code: 'call_not_waiting' });

    await sleep(400);
    expect(await callbacks.releaseDue()).toEqual(['a-cb']);
    expect(await callbacks.releaseDue()).toEqual([]);
    expect(await waitingIds()).toEqual(['a-cb', 'b', 'c']);
  });

  it('booked on an answered call by its operator: the call goes on, the call-back waits at its place', async () => {
    const { queue, callbacks, login, waitingIds } = setup();
    await queue.enqueue(caller('a', UMEA));
    await queue.enqueue(caller('b', UMEA));
    await login('op');
    await login('other');
    await queue.claimNext('op');
    await queue.markAnswered('a', 'a-op1');
    await expect(callbacks.book({ callId: 'a', operatorId: 'other' })).rejects.toMatchObject({
      status: 403,
      code: 'not_your_call',
    });
    const { call } = await callbacks.book({ callId: 'a', operatorId: 'op' });
    expect(call).toMatchObject({ state: 'answered', callbackId: 'a-cb' });
    expect(await waitingIds()).toEqual(['a-cb', 'b']);
  });

  it('whose citizen does not answer goes back to its place; after the third unanswered dial it ends as callback-no-answer', async () => {
    const { queue, callbacks, operators, login, waitingIds } = setup();
    for (const id of ['a', 'b']) await queue.enqueue(caller(id, UMEA));
    await callbacks.book({ callId: 'a' });
    await login('op');
    const attempt = async (n: number) => {
      expect(await queue.claimNext('op')).toMatchObject({ callId: 'a-cb', operatorChannelId: `a-cb-op${n}` });
      return queue.markAnswered('a-cb', `a-cb-op${n}`);
    };

    await attempt(1);
    // Another leg's end, or a call that is not a call-back, is none of its business.
    expect(await callbacks.notReached('a-cb', { operatorChannelId: 'a-cb-op0' })).toBeNull();
    expect(await callbacks.notReached('b')).toBeNull();
    const first = await callbacks.notReached('a-cb', { operatorChannelId: 'a-cb-op1' });
    expect(first).toMatchObject({
      what: 'requeued',
      position: 1,
      callback: { state: 'waiting', unansweredDials: 1, operatorChannelId: 'a-cb-op1' },
    });
    // Nobody talked to the citizen: the operator's answer does not count, and they are free at once.
    expect(first?.callback.answeredAt).toBeUndefined();
    expect(first?.callback.operatorId).toBeUndefined();
    expect((await operators.get('op'))?.state).toBe('available');
    expect(await waitingIds()).toEqual(['a-cb', 'b']);
    // Settled once: a retry (or the other leg's end) changes nothing.
    expect(await callbacks.notReached('a-cb')).toBeNull();

    await attempt(2);
    expect(await callbacks.notReached('a-cb')).toMatchObject({ what: 'requeued', callback: { unansweredDials: 2 } });
    await attempt(3);
    const last = await callbacks.notReached('a-cb');
    expect(last).toMatchObject({
      what: 'ended',
      position: 0,
      callback: { state: 'ended', outcome: 'callback-no-answer', unansweredDials: 3, operatorId: 'op' },
    });
    expect(last?.callback.talkMs).toBeUndefined();
    expect(await waitingIds()).toEqual(['b']);
    expect(await queue.activeCallIds()).toEqual(['b']);
    expect((await operators.get('op'))?.state).toBe('available');
    const events = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [])
      .map((e) => e.message)
      .filter((m) => m.callId === 'a-cb');
    expect(events.filter((m) => m.type === 'call.requeued').map((m) => [m.cause, m.unansweredDials])).toEqual([
      ['callback-no-answer', '1'],
      ['callback-no-answer', '2'],
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'call.ended',
      outcome: 'callback-no-answer',
      callbackOf: 'a',
      unansweredDials: '3',
    });
  });

  it('whose number the dial policy refuses as it is to be dialled ends at once as callback-denied, its tries unchanged', async () => {
    const { queue, callbacks, operators, login, waitingIds } = setup();
    await queue.enqueue(caller('a', UMEA));
    await callbacks.book({ callId: 'a' });
    await login('op');
    await queue.claimNext('op');
    await queue.markAnswered('a-cb', 'a-cb-op1');
    const denied = await callbacks.notReached('a-cb', { operatorChannelId: 'a-cb-op1', denied: true });
    expect(denied).toMatchObject({
      what: 'ended',
      position: 0,
      callback: { state: 'ended', outcome: 'callback-denied', operatorId: 'op' },
    });
    expect(denied?.callback.unansweredDials).toBeUndefined();
    expect(denied?.callback.answeredAt).toBeUndefined();
    expect(await waitingIds()).toEqual([]);
    expect(await queue.activeCallIds()).toEqual([]);
    expect((await operators.get('op'))?.state).toBe('available');
    const ended = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [])
      .map((e) => e.message)
      .filter((m) => m.type === 'call.ended' && m.callId === 'a-cb');
    expect(ended).toEqual([
      expect.objectContaining({ outcome: 'callback-denied', callbackOf: 'a', unansweredDials: '0' }),
    ]);
    // Settled once.
    expect(await callbacks.notReached('a-cb', { denied: true })).toBeNull();
  });

  it('is refused (403 dialling_denied) when booked to a number the call’s municipality does not allow call-backs; nothing booked', async () => {
    const { queue, callbacks, waitingIds } = setup();
    await queue.enqueue(caller('a', UMEA));
    await expect(callbacks.book({ callId: 'a', number: '+12025550123' })).rejects.toMatchObject({
      status: 403,
      code: 'dialling_denied',
      details: [{ field: 'body.number', class: 'international-other' }],
    });
    expect(await waitingIds()).toEqual(['a']);
    expect(await queue.get('a-cb')).toBeNull();
  });

  it('whose citizen answered is not sent back: it ends as answered', async () => {
    const { queue, callbacks, control, login } = setup();
    await queue.enqueue(caller('a', UMEA));
    await callbacks.book({ callId: 'a' });
    await login('op');
    await queue.claimNext('op');
    await queue.markAnswered('a-cb', 'a-cb-op1');
    expect(await control.legAnswered('a-cb', 'a-cb-dial')).toMatchObject({ what: 'callback' });
    expect(await callbacks.notReached('a-cb')).toBeNull();
    expect(await queue.finish('a-cb')).toMatchObject({ outcome: 'answered' });
  });

  it('is refused on a call that is ringing an operator or ended, and on a call-back itself', async () => {
    const { queue, callbacks, login } = setup();
    await queue.enqueue(caller('a', UMEA));
    await queue.enqueue(caller('b', UMEA));
    await login('op');
    await queue.claimNext('op');
    await expect(callbacks.book({ callId: 'a' })).rejects.toMatchObject({ status: 409, code: 'call_not_bookable' });
    await queue.finish('a');
    await expect(callbacks.book({ callId: 'a' })).rejects.toMatchObject({ status: 409, code: 'call_not_bookable' });
    await callbacks.book({ callId: 'b' });
    await expect(callbacks.book({ callId: 'b-cb' })).rejects.toMatchObject({ status: 409, code: 'call_not_bookable' });
    await expect(callbacks.book({ callId: 'nope' })).rejects.toMatchObject({ status: 404, code: 'call_not_found' });
  });
});

describe('call control in Redis', () => {
  async function answered() {
    const s = setup();
    await s.queue.enqueue(caller('a', UMEA));
    await s.login('op');
    await s.queue.claimNext('op');
    await s.queue.markAnswered('a', 'a-op1');
    return s;
  }

  it('allows only what the call’s control state allows, and only to its operator', async () => {
    const { control, login } = await answered();
    await login('other');
    await expect(control.act('a', 'other', { action: 'hold' })).rejects.toMatchObject({
      status: 403,
      code: 'not_your_call',
    });
    await expect(control.act('a', 'op', { action: 'unhold' })).rejects.toMatchObject({
      status: 409,
      code: 'call_control_conflict',
    });
    expect((await control.act('a', 'op', { action: 'hold' })).call.control).toBe('held');
    await expect(control.act('a', 'op', { action: 'hold' })).rejects.toMatchObject({ status: 409 });
    await expect(control.act('a', 'op', { action: 'complete' })).rejects.toMatchObject({ status: 409 });
    expect((await control.act('a', 'op', { action: 'unhold' })).call.control).toBeUndefined();
  });

  it('blind transfer releases the operator at once; unanswered it comes back to them, or to the queue at its place', async () => {
    const { control, queue, operators, waitingIds } = await answered();
    const { call, releasedLeg } = await control.act('a', 'op', {
      action: 'transfer',
      mode: 'blind',
      targetKind: 'extension',
      target: '2480100',
    });
    expect(call).toMatchObject({ control: 'transferring', transferLeg: 'a-xfer1', transferredBy: 'op' });
    expect(call.operatorChannelId).toBeUndefined();
    expect(releasedLeg).toBe('a-op1');
    expect((await operators.get('op'))?.state).toBe('available');
    // The old operator leg hanging up no longer ends the call.
    expect(await queue.finish('a', { operatorChannelId: 'a-op1' })).toBeNull();
    // A stale leg's end changes nothing.
    expect(await control.legEnded('a', 'a-xfer0')).toBeNull();

    const recalled = await control.legEnded('a', 'a-xfer1');
    expect(recalled).toMatchObject({
      what: 'recall-operator',
      call: {
        state: 'connecting',
        operatorId: 'op',
        operatorChannelId: 'a-op2',
        recallFrom: '2480100',
        transferOutcome: 'recalled',
      },
    });
    expect(await control.legEnded('a', 'a-xfer1')).toBeNull();

    // Answered again, transferred again; this time the operator is busy elsewhere.
    await queue.markAnswered('a', 'a-op2');
    await control.act('a', 'op', { action: 'transfer', mode: 'blind', targetKind: 'external', target: '+4690123456' });
    await queue.enqueue(caller('b', UMEA));
    await queue.claimNext('op');
    expect(await control.legEnded('a', 'a-xfer2')).toMatchObject({
      what: 'recall-queue',
      call: { state: 'waiting', transferOutcome: 'requeued' },
    });
    expect(await waitingIds()).toEqual(['a']);
  });

  it('park and retrieve: out of the operator’s hands into the park, then offered to the retrieving operator', async () => {
    const { control, operators, login } = await answered();
    await control.act('a', 'op', { action: 'park' });
    expect((await control.listParked(UMEA)).map((p) => p.call.callId)).toEqual(['a']);
    await login('other');
    expect(await control.retrieve('a', 'other')).toMatchObject({
      state: 'connecting',
      operatorId: 'other',
      operatorChannelId: 'a-op2',
    });
    expect((await operators.get('other'))?.state).toBe('connecting');
    expect(await control.listParked(UMEA)).toEqual([]);
    await expect(control.retrieve('a', 'op')).rejects.toMatchObject({ status: 409, code: 'call_not_parked' });
    // Consoles see it on the events stream, in order.
    const types = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [])
      .map((e) => e.message.type)
      .filter((t) => t?.startsWith('call.'));
    expect(types.slice(-2)).toEqual(['call.parked', 'call.retrieved']);
  });
});
