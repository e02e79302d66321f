import { describe, expect, it } from 'vitest';
import { createCallQueue, type CallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { BJURHOLM, caller, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

const CLAIMERS = 20;
const ROUNDS = 1000;

describe('claiming is atomic', () => {
  it(`${CLAIMERS} operators on their own connections race for one call, ${ROUNDS} times: exactly one wins each time`, async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const operatorIds = Array.from({ length: CLAIMERS }, (_, i) => `op${i}`);
    for (const id of operatorIds)
      await operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities: [BJURHOLM] });
    // One connection per operator, so that their claims really interleave in Redis.
    const claimers: Array<{ operatorId: string; queue: CallQueue }> = await Promise.all(
      operatorIds.map(async (operatorId) => ({
        operatorId,
        queue: createCallQueue(await ctx.connect(), ctx.k, mediaIds),
      })),
    );
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const wins = new Map(operatorIds.map((id) => [id, 0]));

    for (let round = 0; round < ROUNDS; round++) {
      const callId = `call-${round}`;
      await queue.enqueue(caller(callId, BJURHOLM));

      const results = await Promise.all(
        claimers.map(async ({ operatorId, queue: own }) => ({ operatorId, call: await own.claimNext(operatorId) })),
      );

      const winners = results.filter((r) => r.call !== null);
      expect(winners, `round ${round}`).toHaveLength(1);
      const [winner] = winners;
      expect(winner!.call).toMatchObject({ callId, operatorId: winner!.operatorId, attempts: 1 });
      wins.set(winner!.operatorId, wins.get(winner!.operatorId)! + 1);
      // Reset for the next round: the caller hangs up while the winner's phone rings.
      expect(await queue.finish(callId)).toMatchObject({ outcome: 'abandoned', operatorId: winner!.operatorId });
    }

    const sessions = await operators.list();
    expect(sessions.map((s) => s.state)).toEqual(operatorIds.map(() => 'available'));
    expect([...wins.values()].reduce((a, b) => a + b)).toBe(ROUNDS);
    expect(await queue.listWaiting(BJURHOLM)).toEqual([]);
    expect(await queue.activeCallIds()).toEqual([]);
    const records = await queue.listRecords({ limit: ROUNDS + 1 });
    expect(records).toHaveLength(ROUNDS);
    expect(records.every((r) => r.attempts === 1 && r.state === 'ended')).toBe(true);
  });
});

describe('claiming is atomic with weights and priority classes', () => {
  it('30 operators with different weights drain 7 queues × 200 callers: every call goes to exactly one of them', async () => {
    const municipalities = ['2403', '2401', '2409', '2480', '2404', '2460', '2284'];
    const classify = (from: string) =>
      from.endsWith('7') ? { priorityClass: 'member', boostSeconds: 120 } : undefined;
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const all: string[] = [];
    for (const [m, municipalityId] of municipalities.entries()) {
      for (let i = 0; i < 200; i++) {
        const callId = `m${m}-${i}`;
        all.push(callId);
        const from = `+4670123450${i % 10}`;
        await queue.enqueue({ ...caller(callId, municipalityId), caller: from }, { priority: classify(from) });
      }
    }
    const operatorIds = Array.from({ length: 30 }, (_, i) => `op${i}`);
    for (const [o, id] of operatorIds.entries()) {
      await operators.login(id, {
        name: id,
        phone: `sip:${id}@phones.example`,
        municipalities: municipalities.map((m, j) => ({ id: m, weight: 1 + ((o + j) % 4) })),
      });
    }

    const taken = new Map<string, string[]>();
    await Promise.all(
      operatorIds.map(async (operatorId) => {
        const own = createCallQueue(await ctx.connect(), ctx.k, mediaIds);
        for (let call = await own.claimNext(operatorId); call; call = await own.claimNext(operatorId)) {
          taken.set(call.callId, [...(taken.get(call.callId) ?? []), operatorId]);
          await own.finish(call.callId);
        }
      }),
    );

    expect([...taken.keys()].sort()).toEqual([...all].sort());
    expect([...taken.values()].filter((ops) => ops.length !== 1)).toEqual([]);
    // The stream tells the same: one offer per call.
    const offers = ((await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? []).filter(
      (e) => e.message.type === 'call.offered',
    );
    expect(offers).toHaveLength(all.length);
    expect(new Set(offers.map((e) => e.message.callId)).size).toBe(all.length);
  });
});
