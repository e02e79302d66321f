import { describe, expect, it } from 'vitest';
import { createCallQueue, type CallQueue } from '../../src/queue/call-queue.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { BJURHOLM, caller, useRedis } from '../support/redis.js';

const ctx = useRedis();

const CLAIMERS = 20;
const ROUNDS = 1000;

describe('claiming is atomic', () => {
  it(`${CLAIMERS} operators on their own connections race for one call, ${ROUNDS} times: exactly one wins each time`, async () => {
    const operators = createOperatorStore(ctx.redis, ctx.k);
    const operatorIds = Array.from({ length: CLAIMERS }, (_, i) => `op${i}`);
    for (const id of operatorIds) await operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities: [BJURHOLM] });
    // One connection per operator, so that their claims really interleave in Redis.
    const claimers: Array<{ operatorId: string; queue: CallQueue }> = await Promise.all(
      operatorIds.map(async (operatorId) => ({ operatorId, queue: createCallQueue(await ctx.connect(), ctx.k) })),
    );
    const queue = createCallQueue(ctx.redis, ctx.k);
    const wins = new Map(operatorIds.map((id) => [id, 0]));

    for (let round = 0; round < ROUNDS; round++) {
      const callId = `call-${round}`;
      await queue.enqueue(caller(callId, BJURHOLM));

      const results = await Promise.all(claimers.map(async ({ operatorId, queue: own }) => ({ operatorId, call: await own.claimNext(operatorId) })));

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
