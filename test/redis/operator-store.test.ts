import { describe, expect, it } from 'vitest';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { BJURHOLM, UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

const anna = { name: 'Anna Lind', phone: 'sip:anna@phones.example', municipalities: [BJURHOLM] };

describe('operator sessions', () => {
  it('starts a session: available, with typed fields', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const session = await operators.login('anna', anna);

    expect(session).toEqual({
      id: 'anna',
      ...anna,
      served: [{ id: BJURHOLM, weight: 1 }],
      state: 'available',
      stateSince: session.loggedInAt,
      loggedInAt: expect.any(Number),
    });
    expect(Math.abs(session.loggedInAt - Date.now())).toBeLessThan(5_000);
    expect(await operators.get('anna')).toEqual(session);
    expect(await operators.get('nobody')).toBeNull();
  });

  it('lets an operator log in again to change phone, municipalities and weights, keeping the session', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const first = await operators.login('anna', anna);
    await sleep(5);
    const again = await operators.login('anna', {
      ...anna,
      phone: 'sip:anna-desk@phones.example',
      municipalities: [{ id: BJURHOLM, weight: 2 }, UMEA],
    });

    expect(again).toEqual({
      ...first,
      phone: 'sip:anna-desk@phones.example',
      municipalities: [BJURHOLM, UMEA],
      served: [
        { id: BJURHOLM, weight: 2 },
        { id: UMEA, weight: 1 },
      ],
    });
    expect(await operators.list()).toEqual([again]);
  });

  it('refuses re-login and logout while the operator has a call, and allows both after it', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    await operators.login('anna', anna);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.claimNext('anna');

    const busy = { status: 409, code: 'operator_busy' };
    await expect(operators.login('anna', { ...anna, municipalities: [UMEA] })).rejects.toMatchObject(busy);
    await expect(operators.logout('anna')).rejects.toMatchObject(busy);
    await queue.markAnswered('a', 'a-op1');
    await expect(operators.logout('anna')).rejects.toMatchObject(busy);
    expect(await operators.get('anna')).toMatchObject({ state: 'on-call', callId: 'a', municipalities: [BJURHOLM] });

    await queue.finish('a');
    expect(await operators.logout('anna')).toBe(true);
    expect(await operators.get('anna')).toBeNull();
    expect(await operators.logout('anna')).toBe(false);
    await expect(queue.claimNext('anna')).rejects.toMatchObject({ status: 409, code: 'operator_not_logged_in' });
  });

  it('lists logged-in operators by id', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    for (const id of ['cecilia', 'anna', 'bertil']) await operators.login(id, { ...anna, name: id });
    await operators.logout('bertil');
    expect((await operators.list()).map((o) => o.id)).toEqual(['anna', 'cecilia']);
  });
});

describe('pause and ready', () => {
  it('pauses with a reason and note: no calls until ready, then available again', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    await operators.login('anna', anna);
    await queue.enqueue(caller('a', BJURHOLM));

    const paused = await operators.pause('anna', 'meeting', 'APT till 10:30');
    expect(paused).toMatchObject({ state: 'paused', pauseReason: 'meeting', pauseNote: 'APT till 10:30' });
    await expect(queue.claimNext('anna')).rejects.toMatchObject({ status: 409, code: 'operator_paused' });
    await expect(queue.claimCall('anna', 'a')).rejects.toMatchObject({ status: 409, code: 'operator_paused' });
    expect((await queue.get('a'))?.state).toBe('waiting');

    // A new pause replaces the reason and drops the old note.
    expect(await operators.pause('anna', 'lunch')).toMatchObject({ state: 'paused', pauseReason: 'lunch' });
    expect((await operators.get('anna'))?.pauseNote).toBeUndefined();
    // Re-login (another phone) keeps the pause.
    expect(await operators.login('anna', { ...anna, phone: 'sip:anna2@phones.example' })).toMatchObject({
      state: 'paused',
      pauseReason: 'lunch',
    });

    const ready = await operators.ready('anna');
    expect(ready.state).toBe('available');
    expect(ready.pauseReason).toBeUndefined();
    expect(ready.stateSince).toBeGreaterThanOrEqual(paused.stateSince);
    expect((await queue.claimNext('anna'))?.callId).toBe('a');
  });

  it('refuses pause and ready during a call, and for someone not logged in', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    await operators.login('anna', anna);
    await queue.enqueue(caller('a', BJURHOLM));
    await queue.claimNext('anna');

    await expect(operators.pause('anna', 'break')).rejects.toMatchObject({ status: 409, code: 'operator_busy' });
    await expect(operators.ready('anna')).rejects.toMatchObject({ status: 409, code: 'operator_busy' });
    await expect(operators.pause('nobody', 'break')).rejects.toMatchObject({
      status: 409,
      code: 'operator_not_logged_in',
    });
    await expect(operators.ready('nobody')).rejects.toMatchObject({ status: 409, code: 'operator_not_logged_in' });
    expect(await operators.get('anna')).toMatchObject({ state: 'connecting', callId: 'a' });
  });

  it('logs out a paused operator', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    await operators.login('anna', anna);
    await operators.pause('anna', 'other', 'går hem');
    expect(await operators.logout('anna')).toBe(true);
    expect(await operators.get('anna')).toBeNull();
  });
});

describe('wrap-up', () => {
  async function answeredAndEnded(wrapUpSeconds: number) {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds, { wrapUpSeconds });
    await operators.login('anna', anna);
    for (const id of ['a', 'b']) await queue.enqueue(caller(id, BJURHOLM));
    await queue.claimNext('anna');
    await queue.markAnswered('a', 'a-op1');
    await queue.finish('a');
    return { operators, queue };
  }

  it('follows an answered call for the configured time, then the operator shows as available', async () => {
    const { operators } = await answeredAndEnded(1);
    const session = await operators.get('anna');
    expect(session).toMatchObject({ state: 'wrap-up' });
    expect(session?.callId).toBeUndefined();
    expect(session!.wrapUpUntil! - session!.stateSince).toBe(1000);

    await sleep(1100);
    const after = await operators.get('anna');
    expect(after).toMatchObject({ state: 'available', stateSince: session!.wrapUpUntil });
    expect(after?.wrapUpUntil).toBeUndefined();
  });

  it('ends early when the operator asks for the next call', async () => {
    const { operators, queue } = await answeredAndEnded(60);
    expect((await operators.get('anna'))?.state).toBe('wrap-up');
    expect((await queue.claimNext('anna'))?.callId).toBe('b');
    const session = await operators.get('anna');
    expect(session).toMatchObject({ state: 'connecting', callId: 'b' });
    expect(session?.wrapUpUntil).toBeUndefined();
  });

  it('ends early when the operator says ready, and a wrap-up can become a pause', async () => {
    const { operators, queue } = await answeredAndEnded(60);
    expect((await operators.ready('anna')).state).toBe('available');
    expect((await operators.ready('anna')).state).toBe('available');

    await queue.claimNext('anna');
    await queue.markAnswered('b', 'b-op1');
    await queue.finish('b');
    expect((await operators.get('anna'))?.state).toBe('wrap-up');
    expect((await operators.pause('anna', 'break')).state).toBe('paused');
    expect((await operators.get('anna'))?.wrapUpUntil).toBeUndefined();
  });

  it('is not entered without a wrap-up time, nor when the caller hung up while the phone rang', async () => {
    const { operators } = await answeredAndEnded(0);
    expect((await operators.get('anna'))?.state).toBe('available');

    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds, { wrapUpSeconds: 60 });
    await queue.claimNext('anna');
    await queue.finish('b');
    expect((await operators.get('anna'))?.state).toBe('available');
  });
});
