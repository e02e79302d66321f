import { describe, expect, it } from 'vitest';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { scripts } from '../../src/store/scripts.js';
import { BJURHOLM, UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis({ appendonly: true });

/** Polls rather than awaiting events: the client emits `error` while it reconnects, which would reject events.once. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}
const ready = (client: RedisClient) => until(() => client.isReady);

describe('crash safety (appendonly, kill -9)', () => {
  it('keeps every acknowledged change across a crash, and the queue goes on where it was', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const operators = createOperatorStore(ctx.redis, ctx.k);
    await operators.login('op1', { name: 'op1', phone: 'sip:op1@phones.example', municipalities: [BJURHOLM] });
    await operators.login('op2', { name: 'op2', phone: 'sip:op2@phones.example', municipalities: [BJURHOLM] });
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue(caller(id, BJURHOLM));
    await queue.enqueue(caller('u', UMEA));
    await queue.claimNext('op1');
    await queue.markAnswered('a', 'a-op1');
    await queue.finish('c');
    await queue.claimNext('op2'); // the last acknowledged write before the crash
    const before = {
      calls: await Promise.all(['a', 'b', 'c', 'd', 'u'].map((id) => queue.get(id))),
      operators: await operators.list(),
      waiting: await queue.listWaiting(BJURHOLM),
      active: (await queue.activeCallIds()).sort(),
    };

    await ctx.server.kill();
    await ctx.server.restart();
    await ready(ctx.redis);

    expect(await Promise.all(['a', 'b', 'c', 'd', 'u'].map((id) => queue.get(id)))).toEqual(before.calls);
    expect(await operators.list()).toEqual(before.operators);
    expect((await queue.listWaiting(BJURHOLM)).map((w) => [w.record.callId, w.position])).toEqual([['d', 1]]);
    expect((await queue.activeCallIds()).sort()).toEqual(before.active);
    expect(before.waiting.map((w) => w.record.callId)).toEqual(['d']);

    // The place counter survived too: a new caller goes behind the ones already waiting, and a
    // requeued call gets its old place back. Scripts run again although the server forgot them.
    expect(await ctx.redis.scriptExists(scripts.queueEnqueue.SHA1)).toEqual([0]);
    expect(await queue.enqueue(caller('e', BJURHOLM))).toMatchObject({ position: 2 });
    expect(await queue.requeue('b', 'b-op1')).toMatchObject({ position: 1 });
    expect((await queue.listWaiting(BJURHOLM)).map((w) => w.record.callId)).toEqual(['b', 'd', 'e']);
  });

  it('fails commands at once while Redis is down instead of queueing them, and recovers', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    await queue.enqueue(caller('a', BJURHOLM));

    await ctx.server.kill();
    // Wait until the client has noticed: from then on a command must not wait for Redis to come back.
    await until(() => !ctx.redis.isReady);
    await expect(queue.enqueue(caller('lost', BJURHOLM))).rejects.toThrow(/offline/i);

    await ctx.server.restart();
    await ready(ctx.redis);
    expect((await queue.listWaiting(BJURHOLM)).map((w) => w.record.callId)).toEqual(['a']);
    expect(await queue.get('lost')).toBeNull();
  });
});
