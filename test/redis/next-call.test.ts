import { describe, expect, it } from 'vitest';
import { createOperatorStore, type ServedMunicipality } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import type { PriorityClassMatch } from '../../src/queue/priority.js';
import { BJURHOLM, UMEA, caller, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

/** Callers from these numbers are in a class (the classifier itself: test/unit/priority-classes.test.ts). */
const classify = (number: string): PriorityClassMatch | undefined =>
  ({
    '+46700000030': { priorityClass: 'thirty', boostSeconds: 30 },
    '+46700000120': { priorityClass: 'member', boostSeconds: 120 },
  })[number];

/**
 * The choice of the next call (store/lua/claim-1.lua), with expectations computed by hand from
 * score = waited ms × weight + boost s × 1000, ties to the earlier place. Each call is made to
 * have waited a known time by moving its enqueuedAt back (by the Redis clock); the seconds apart
 * are far larger than the milliseconds the test takes.
 */
function setup() {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  let base: number | undefined;
  /** A call that has waited `waitedSeconds` at the time of the test's first call (one clock reading, so equal waits are exactly equal). */
  async function waiting(callId: string, municipalityId: string, waitedSeconds: number, from = '+46701234567') {
    await queue.enqueue({ ...caller(callId, municipalityId), caller: from }, { priority: classify(from) });
    if (base === undefined) {
      const [seconds, micros] = await ctx.redis.time();
      base = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    }
    await ctx.redis.hSet(ctx.k.call(callId), 'enqueuedAt', base - waitedSeconds * 1000);
  }
  const login = (municipalities: (string | ServedMunicipality)[]) =>
    operators.login('op', { name: 'op', phone: 'sip:op@phones.example', municipalities });
  /** Claims, answers and ends calls one by one: the order the operator gets them in. */
  async function order(): Promise<string[]> {
    const taken: string[] = [];
    for (let call = await queue.claimNext('op'); call; call = await queue.claimNext('op')) {
      taken.push(call.callId);
      await queue.markAnswered(call.callId, call.operatorChannelId!);
      await queue.finish(call.callId);
    }
    return taken;
  }
  return { queue, operators, waiting, login, order };
}

describe('the next call', () => {
  it('weights the wait by the municipality weight of the operator', async () => {
    const { waiting, login, order } = setup();
    await login([
      { id: BJURHOLM, weight: 1 },
      { id: UMEA, weight: 2 },
    ]);
    await waiting('b100', BJURHOLM, 100); // 100 000
    await waiting('u60', UMEA, 60); // 60 s × 2 = 120 000
    await waiting('u40', UMEA, 40); // 80 000
    await waiting('b90', BJURHOLM, 90); // 90 000
    expect(await order()).toEqual(['u60', 'b100', 'b90', 'u40']);
  });

  it('adds a priority class’s boost to the wait', async () => {
    const { waiting, login, order, queue } = setup();
    await login([BJURHOLM]);
    await waiting('plain200', BJURHOLM, 200); // 200 s
    await waiting('member90', BJURHOLM, 90, '+46700000120'); // 90 + 120 = 210 s
    await waiting('plain100', BJURHOLM, 100); // 100 s
    await waiting('thirty80', BJURHOLM, 80, '+46700000030'); // 80 + 30 = 110 s
    await waiting('member10', BJURHOLM, 10, '+46700000120'); // 10 + 120 = 130 s

    expect(await queue.get('member90')).toMatchObject({ priorityClass: 'member', priorityBoostSeconds: 120 });
    expect((await queue.get('plain200'))?.priorityClass).toBeUndefined();
    expect(await order()).toEqual(['member90', 'plain200', 'member10', 'thirty80', 'plain100']);
  });

  it('weights the wait only, not the boost', async () => {
    const { waiting, login, order } = setup();
    await login([{ id: BJURHOLM, weight: 0.5 }, UMEA]);
    await waiting('b-member100', BJURHOLM, 100, '+46700000120'); // 100 × 0.5 + 120 = 170 s
    await waiting('b150', BJURHOLM, 150); // 75 s
    await waiting('u160', UMEA, 160); // 160 s
    await waiting('u70', UMEA, 70); // 70 s
    expect(await order()).toEqual(['b-member100', 'u160', 'b150', 'u70']);
  });

  it('breaks a tie by place: the earlier arrival first', async () => {
    const { waiting, login, order } = setup();
    await login([BJURHOLM, UMEA]);
    // Equal waits, equal weights: exactly equal scores.
    await waiting('b-first', BJURHOLM, 100);
    await waiting('u-second', UMEA, 100);
    expect(await order()).toEqual(['b-first', 'u-second']);

    await waiting('u-first', UMEA, 100);
    await waiting('b-second', BJURHOLM, 100);
    expect(await order()).toEqual(['u-first', 'b-second']);
  });

  it('keeps a requeued call’s boost and place', async () => {
    const { waiting, login, queue } = setup();
    await login([BJURHOLM]);
    await waiting('plain100', BJURHOLM, 100);
    await waiting('member10', BJURHOLM, 10, '+46700000120'); // 130 s
    const offered = await queue.claimNext('op');
    expect(offered?.callId).toBe('member10');
    await queue.requeue('member10', offered!.operatorChannelId!);
    expect((await queue.claimNext('op'))?.callId).toBe('member10');
  });

  it('forgets boosted calls that left the queue, however they left', async () => {
    const { waiting, login, queue } = setup();
    await login([BJURHOLM]);
    await waiting('plain100', BJURHOLM, 100);
    await waiting('gone', BJURHOLM, 10, '+46700000120');
    await waiting('abandoned', BJURHOLM, 5, '+46700000120');
    await waiting('thirty', BJURHOLM, 1, '+46700000030');
    await queue.finish('abandoned');
    // Taken out of the queue by a script that knows nothing of boosts.
    await ctx.redis.zRem(ctx.k.queue(BJURHOLM), 'gone');
    await ctx.redis.zRem(ctx.k.queue(BJURHOLM), 'thirty');

    expect((await queue.claimNext('op'))?.callId).toBe('plain100');
    const boostKeys = [
      `${ctx.k.prefix}:queue-boost:${BJURHOLM}:120`,
      `${ctx.k.prefix}:queue-boost:${BJURHOLM}:30`,
      `${ctx.k.prefix}:queue-boosts:${BJURHOLM}`,
    ];
    expect(await Promise.all(boostKeys.map((key) => ctx.redis.exists(key)))).toEqual([0, 0, 0]);
  });

  it('reads only the heads of the queues and of their boost sub-queues, however long the queues are', async () => {
    const { queue, login } = setup();
    const municipalities = ['2403', '2401', '2409', '2480', '2404', '2460', '2284'];
    await login(municipalities);
    let n = 0;
    for (const municipalityId of municipalities) {
      for (let i = 0; i < 200; i++, n++) {
        const from = n % 10 === 3 ? '+46700000030' : n % 10 === 7 ? '+46700000120' : '+46701234567';
        await queue.enqueue({ ...caller(`c${n}`, municipalityId), caller: from }, { priority: classify(from) });
      }
    }
    // Redis counts the commands scripts run: a claim reads one call per candidate (HMGET).
    await ctx.redis.configResetStat();
    expect((await queue.claimNext('op'))?.callId).toBe('c7');
    const stats = await ctx.redis.info('commandstats');
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    // 7 queue heads and 7 × 2 boost heads; none of the other 1379 calls.
    expect(calls('hmget')).toBe(21);
    expect(calls('zrange')).toBe(21);
  });

  it('still lets the operator pick any waiting call', async () => {
    const { waiting, login, queue } = setup();
    await login([BJURHOLM]);
    await waiting('member', BJURHOLM, 50, '+46700000120');
    await waiting('plain', BJURHOLM, 10);
    expect((await queue.claimCall('op', 'plain')).callId).toBe('plain');
    expect(await queue.listWaiting(BJURHOLM)).toEqual([
      expect.objectContaining({ record: expect.objectContaining({ callId: 'member' }) }),
    ]);
  });
});
