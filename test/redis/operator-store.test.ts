import { describe, expect, it } from 'vitest';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { BJURHOLM, UMEA, caller, sleep, useRedis } from '../support/redis.js';

const ctx = useRedis();

const anna = { name: 'Anna Lind', phone: 'sip:anna@phones.example', municipalities: [BJURHOLM] };

describe('operator sessions', () => {
  it('starts a session: available, with typed fields', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const session = await operators.login('anna', anna);

    expect(session).toEqual({ id: 'anna', ...anna, state: 'available', loggedInAt: expect.any(Number) });
    expect(Math.abs(session.loggedInAt - Date.now())).toBeLessThan(5_000);
    expect(await operators.get('anna')).toEqual(session);
    expect(await operators.get('nobody')).toBeNull();
  });

  it('lets an available operator log in again to change phone and municipalities, keeping the session', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const first = await operators.login('anna', anna);
    await sleep(5);
    const again = await operators.login('anna', { ...anna, phone: 'sip:anna-desk@phones.example', municipalities: [BJURHOLM, UMEA] });

    expect(again).toEqual({ ...first, phone: 'sip:anna-desk@phones.example', municipalities: [BJURHOLM, UMEA] });
    expect(await operators.list()).toEqual([again]);
  });

  it('refuses re-login and logout while the operator has a call, and allows both after it', async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const queue = createCallQueue(ctx.redis, ctx.k);
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
