import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createCallbackStore } from '../../src/calls/callbacks/callback-store.js';
import { loadRegionConfig, parseRegionConfig } from '../../src/config/load-region.js';
import type { QueuePolicy, RegionConfig } from '../../src/config/region-schema.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { createQueuePolicies } from '../../src/queue/policy/queue-policy.js';
import { BJURHOLM, NORDMALING, UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { problemsOf, regionYaml } from '../support/region-yaml.js';
import { testDialling } from '../support/dialling.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

let shipped: RegionConfig;
beforeAll(async () => {
  shipped = await loadRegionConfig(resolve('config/region.yaml'));
});

/** The shipped region with one municipality's queue policy replaced. */
function withPolicy(municipalityId: string, policy: Partial<QueuePolicy>): RegionConfig {
  return {
    ...shipped,
    municipalities: shipped.municipalities.map((m) =>
      m.id === municipalityId ? { ...m, queuePolicy: { announceEverySeconds: 45, ...policy } } : m,
    ),
  };
}

function setup(region: RegionConfig) {
  const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
  const operators = createOperatorStore(ctx.redis, ctx.k);
  // The store shows the region config's policies until one is stored, as in the switchboard.
  const stored = createAdminStores(
    ctx.redis,
    ctx.k,
    createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }),
    region,
  ).queuePolicies;
  const policies = createQueuePolicies(ctx.redis, ctx.k, queue, stored, region);
  const waitingIds = async (municipalityId: string) =>
    (await queue.listWaiting(municipalityId)).map((w) => w.record.callId);
  const login = (id: string, municipalities: string[]) =>
    operators.login(id, { name: id, phone: `sip:${id}@phones.example`, municipalities });
  return { queue, policies, stored, waitingIds, login };
}

/** What the events stream says of one call, in order: each event's type and fields other than its callId. */
async function eventsOf(callId: string) {
  const all = (await ctx.redis.xRange(ctx.k.events(), '-', '+')) ?? [];
  return all
    .filter((e) => e.message.callId === callId)
    .map(({ message: { callId: _, municipalityId: __, ...rest } }) => rest);
}

describe('queue policy: stored by IT staff', () => {
  const actor = { id: 'it', name: 'IT Bjurholm', role: 'municipality-admin' as const, municipalityId: BJURHOLM };

  it('applies a policy changed through the admin store to the next call, without a restart, and audits it', async () => {
    const { policies, stored } = setup(shipped);
    expect(await policies.enqueue(caller('first', BJURHOLM))).toMatchObject({ action: 'stay' });

    await stored.update(BJURHOLM, 0, { maxLength: { calls: 1, overflow: { kind: 'message' } } }, actor);
    expect(await policies.enqueue(caller('second', BJURHOLM))).toMatchObject({
      action: 'message',
      cause: 'max-length',
    });
    const log = await createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }).query({
      scope: BJURHOLM,
      objectType: 'queue-policy',
      limit: 5,
    });
    expect(log).toMatchObject([
      { action: 'create', actor: { name: 'IT Bjurholm' }, after: { maxLength: { calls: 1 } } },
    ]);
  });

  it('classifies each arriving call by the priority classes of the stored policy, the config’s until one is stored', async () => {
    const listed = { name: 'listed', boostSeconds: 60, memberNumbers: false, numbers: ['+46701234567'] };
    const { queue, policies, stored, login } = setup(withPolicy(BJURHOLM, { priorityClasses: [listed] }));
    expect((await stored.get(BJURHOLM))?.version).toBe(0);
    await policies.enqueue(caller('config-class', BJURHOLM));
    expect(await queue.get('config-class')).toMatchObject({ priorityClass: 'listed', priorityBoostSeconds: 60 });

    // Written as people write numbers; stored as E.164.
    await stored.update(
      BJURHOLM,
      0,
      {
        priorityClasses: [
          { name: 'staff', boostSeconds: 120, memberNumbers: true },
          { name: 'vip', boostSeconds: 300, numbers: ['070-765 43 21'] },
        ],
      },
      actor,
    );
    await policies.enqueue(caller('no-longer-listed', BJURHOLM));
    await policies.enqueue({ ...caller('colleague', BJURHOLM), caller: '2480123' });
    await policies.enqueue({ ...caller('vip', BJURHOLM), caller: '+46707654321' });
    expect((await queue.get('no-longer-listed'))?.priorityClass).toBeUndefined();
    expect(await queue.get('colleague')).toMatchObject({ priorityClass: 'staff', priorityBoostSeconds: 120 });
    expect(await queue.get('vip')).toMatchObject({ priorityClass: 'vip', priorityBoostSeconds: 300 });
    // Classified once, at arrival: the call already waiting keeps its class.
    expect(await queue.get('config-class')).toMatchObject({ priorityClass: 'listed' });
    // The boost decides who goes first: the vip, then the colleague, then the earlier arrivals.
    await login('op', [BJURHOLM]);
    expect((await queue.claimNext('op'))?.callId).toBe('vip');

    const [entry] = await createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }).query({
      scope: BJURHOLM,
      objectType: 'queue-policy',
      limit: 1,
    });
    expect(entry).toMatchObject({
      before: { version: 0, priorityClasses: [listed] },
      after: { version: 1, priorityClasses: [{ name: 'staff' }, { name: 'vip', numbers: ['+46707654321'] }] },
    });

    // Removed (null): nobody goes first any more.
    await stored.update(BJURHOLM, 1, { priorityClasses: null }, actor);
    await policies.enqueue({ ...caller('colleague-2', BJURHOLM), caller: '2480123' });
    expect((await queue.get('colleague-2'))?.priorityClass).toBeUndefined();
  });

  it('refuses an overflow into the queue itself or a non-member, naming the field', async () => {
    const { stored } = setup(shipped);
    const actor = { id: 'it', name: 'IT', role: 'region-admin' as const };
    await expect(
      stored.update(BJURHOLM, 0, { noOperator: { kind: 'queue', municipality: BJURHOLM } }, actor),
    ).rejects.toMatchObject({
      status: 400,
      details: [
        { field: 'body.noOperator.municipality', problem: 'must be another municipality than the queue itself' },
      ],
    });
    await expect(
      stored.update(
        BJURHOLM,
        0,
        { maxWait: { seconds: 60, overflow: { kind: 'queue', municipality: '0114' } } },
        actor,
      ),
    ).rejects.toMatchObject({
      details: [
        { field: 'body.maxWait.overflow.municipality', problem: '"0114" is not the id of a configured municipality' },
      ],
    });
  });

  it('refuses priority classes that match nobody, repeat a name or list a number that is not one, naming the field', async () => {
    const { stored } = setup(shipped);
    await expect(
      stored.update(BJURHOLM, 0, { priorityClasses: [{ name: 'nobody', boostSeconds: 60 }] }, actor),
    ).rejects.toMatchObject({
      status: 400,
      details: [
        { field: 'body.priorityClasses[0].numbers', problem: 'matches no caller: set memberNumbers or list numbers' },
      ],
    });
    const twice = { name: 'a', boostSeconds: 60, memberNumbers: true };
    await expect(stored.update(BJURHOLM, 0, { priorityClasses: [twice, twice] }, actor)).rejects.toMatchObject({
      details: [{ field: 'body.priorityClasses', problem: 'names a class twice' }],
    });
    await expect(
      stored.update(
        BJURHOLM,
        0,
        { priorityClasses: [{ name: 'Listed!', boostSeconds: 3601, numbers: ['0935-12'] }] },
        actor,
      ),
    ).rejects.toMatchObject({
      details: [
        { field: 'body.priorityClasses[0].name', problem: 'must be 1 to 40 lowercase letters, digits and dashes' },
        { field: 'body.priorityClasses[0].boostSeconds' },
        { field: 'body.priorityClasses[0].numbers[0]', problem: expect.stringContaining('"0935-12"') },
      ],
    });
    expect((await stored.get(BJURHOLM))?.version).toBe(0);
  });
});

describe('queue policy: admission, in the same step as the enqueue', () => {
  it('lets a call stay without limits, its arrival’s fields on its record from the start', async () => {
    const { queue, policies } = setup(shipped);
    const decision = await policies.enqueue(
      { ...caller('a', BJURHOLM), reason: 'extension-absent' },
      { extension: '2403100', reasonDetail: 'leave: Semester' },
    );
    expect(decision).toEqual({ callId: 'a', action: 'stay', position: 1 });
    expect(await queue.get('a')).toMatchObject({
      state: 'waiting',
      reason: 'extension-absent',
      extension: '2403100',
      reasonDetail: 'leave: Semester',
    });
    expect(await eventsOf('a')).toEqual([{ type: 'call.queued', position: '1', priorityClass: '' }]);
  });

  it('sends a call that would be beyond the maximum length to another queue, at its own place, listed under the municipality called', async () => {
    const { queue, policies, waitingIds } = setup(
      withPolicy(BJURHOLM, { maxLength: { calls: 2, overflow: { kind: 'queue', municipality: UMEA } } }),
    );
    await queue.enqueue(caller('early-umea', UMEA));
    for (const id of ['b1', 'b2']) expect((await policies.enqueue(caller(id, BJURHOLM))).action).toBe('stay');
    const decision = await policies.enqueue(caller('b3', BJURHOLM), { reasonDetail: 'kept' });
    await queue.enqueue(caller('late-umea', UMEA));

    expect(decision).toEqual({ callId: 'b3', action: 'queue', cause: 'max-length', position: 2 });
    expect(await waitingIds(BJURHOLM)).toEqual(['b1', 'b2']);
    expect(await waitingIds(UMEA)).toEqual(['early-umea', 'b3', 'late-umea']);
    expect(await queue.get('b3')).toMatchObject({
      state: 'waiting',
      municipalityId: UMEA,
      overflowFrom: BJURHOLM,
      overflow: 'max-length',
      reasonDetail: 'kept',
    });
    expect((await queue.listRecords({ municipalityId: BJURHOLM, limit: 10 })).map((r) => r.callId)).toContain('b3');
    expect(await eventsOf('b3')).toEqual([
      { type: 'call.overflowed', cause: 'max-length', to: UMEA },
      { type: 'call.queued', overflowFrom: BJURHOLM, position: '2', priorityClass: '' },
    ]);
    // Enqueued again (a retry after a lost reply): the same decision, nothing queued twice.
    expect(await policies.enqueue(caller('b3', BJURHOLM))).toEqual(decision);
    expect(await waitingIds(UMEA)).toEqual(['early-umea', 'b3', 'late-umea']);
  });

  it('ends a call with a message when no logged-in operator serves the municipality, and not when one does', async () => {
    const { queue, policies, waitingIds, login } = setup(withPolicy(NORDMALING, { noOperator: { kind: 'message' } }));
    await login('op-umea', [UMEA]);
    const decision = await policies.enqueue(caller('n1', NORDMALING), { extension: '2401100', reasonDetail: 'busy' });
    expect(decision).toEqual({ callId: 'n1', action: 'message', cause: 'no-operator', position: 0 });
    // The operator's record says why the direct dial came here, even for a call that never waited.
    expect(await queue.get('n1')).toMatchObject({
      state: 'ended',
      outcome: 'overflowed',
      overflow: 'no-operator',
      waitMs: 0,
      extension: '2401100',
      reasonDetail: 'busy',
    });
    expect(await queue.activeCallIds()).not.toContain('n1');
    expect(await waitingIds(NORDMALING)).toEqual([]);
    expect(await eventsOf('n1')).toEqual([{ type: 'call.ended', outcome: 'overflowed', cause: 'no-operator' }]);
    expect(await policies.enqueue(caller('n1', NORDMALING))).toEqual(decision);

    await login('op-nordmaling', [UMEA, NORDMALING]);
    expect((await policies.enqueue(caller('n2', NORDMALING))).action).toBe('stay');
  });

  it('offers a call-back only to a caller whose number can be called back; anyone else gets the message', async () => {
    const { queue, policies, waitingIds } = setup(
      withPolicy(BJURHOLM, { maxLength: { calls: 1, overflow: { kind: 'callback' } } }),
    );
    await policies.enqueue(caller('first', BJURHOLM));
    expect(await policies.enqueue(caller('number', BJURHOLM))).toEqual({
      callId: 'number',
      action: 'callback',
      cause: 'max-length',
      position: 2,
    });
    expect(await queue.get('number')).toMatchObject({ state: 'waiting', overflow: 'max-length' });
    for (const [id, from] of [
      ['hidden', 'anonymous'],
      ['unreadable', '12'],
      ['extension', '2480123'],
    ]) {
      expect(await policies.enqueue({ ...caller(id!, BJURHOLM), caller: from! })).toEqual({
        callId: id,
        action: 'message',
        cause: 'max-length',
        position: 0,
      });
      expect(await queue.get(id!)).toMatchObject({ state: 'ended', outcome: 'overflowed', overflow: 'max-length' });
    }
    expect(await waitingIds(BJURHOLM)).toEqual(['first', 'number']);
  });
});

describe('queue policy: maximum wait', () => {
  it('overflows exactly the calls that waited too long, once each, and an operator can no longer take them', async () => {
    const { queue, policies, waitingIds, login } = setup(
      withPolicy(BJURHOLM, { maxWait: { seconds: 1, overflow: { kind: 'message' } } }),
    );
    await queue.enqueue(caller('old', BJURHOLM));
    await sleep(700);
    await queue.enqueue(caller('new', BJURHOLM));
    await sleep(400);

    const done = await policies.sweep();
    expect(done).toEqual([{ callId: 'old', action: 'message', cause: 'max-wait', position: 0 }]);
    expect(await queue.get('old')).toMatchObject({ state: 'ended', outcome: 'overflowed', overflow: 'max-wait' });
    expect((await queue.get('old'))!.waitMs).toBeGreaterThanOrEqual(1000);
    expect(await waitingIds(BJURHOLM)).toEqual(['new']);
    expect(await policies.sweep()).toEqual([]);

    await login('op', [BJURHOLM]);
    expect((await queue.claimNext('op'))?.callId).toBe('new');
  });

  it('moves a call to another queue only once, even when that queue has a maximum wait back', async () => {
    const base = withPolicy(BJURHOLM, { maxWait: { seconds: 1, overflow: { kind: 'queue', municipality: UMEA } } });
    const region = {
      ...base,
      municipalities: base.municipalities.map((m) =>
        m.id === UMEA
          ? {
              ...m,
              queuePolicy: {
                announceEverySeconds: 45,
                maxWait: { seconds: 1, overflow: { kind: 'queue' as const, municipality: BJURHOLM } },
              },
            }
          : m,
      ),
    };
    const { queue, policies, waitingIds } = setup(region);
    await queue.enqueue(caller('c', BJURHOLM));
    await sleep(1100);
    expect(await policies.sweep()).toEqual([{ callId: 'c', action: 'queue', cause: 'max-wait', position: 1 }]);
    expect(await policies.sweep()).toEqual([]);
    expect(await waitingIds(UMEA)).toEqual(['c']);
  });

  it('keeps a call offered a call-back in the queue until the offer is declined, then ends it', async () => {
    const { queue, policies, waitingIds } = setup(
      withPolicy(BJURHOLM, { maxWait: { seconds: 1, overflow: { kind: 'callback' } } }),
    );
    await queue.enqueue(caller('cb', BJURHOLM));
    await sleep(1100);
    expect(await policies.sweep()).toEqual([{ callId: 'cb', action: 'callback', cause: 'max-wait', position: 1 }]);
    expect(await waitingIds(BJURHOLM)).toEqual(['cb']);
    expect(await policies.sweep()).toEqual([]);
    expect(await policies.endOffer('cb')).toEqual({ callId: 'cb', action: 'message', cause: 'max-wait', position: 0 });
    expect(await queue.get('cb')).toMatchObject({ state: 'ended', outcome: 'overflowed' });
    expect(await policies.endOffer('cb')).toMatchObject({ action: 'stay' });
  });

  it('gives an anonymous caller the message at the maximum wait instead of a call-back offer', async () => {
    const { queue, policies, waitingIds } = setup(
      withPolicy(BJURHOLM, { maxWait: { seconds: 1, overflow: { kind: 'callback' } } }),
    );
    await queue.enqueue({ ...caller('hidden', BJURHOLM), caller: 'anonymous' });
    await sleep(1100);
    expect(await policies.sweep()).toEqual([{ callId: 'hidden', action: 'message', cause: 'max-wait', position: 0 }]);
    expect(await queue.get('hidden')).toMatchObject({ state: 'ended', outcome: 'overflowed', overflow: 'max-wait' });
    expect(await waitingIds(BJURHOLM)).toEqual([]);
  });
});

describe('queue policy: call-backs', () => {
  it('never overflows a booked call-back, though its wait counts from the call it was booked on', async () => {
    const { queue, policies, waitingIds } = setup(
      withPolicy(BJURHOLM, { maxWait: { seconds: 1, overflow: { kind: 'message' } } }),
    );
    await queue.enqueue(caller('a', BJURHOLM));
    await createCallbackStore(ctx.redis, ctx.k, testDialling(ctx).guard, mediaIds).book({ callId: 'a' });
    await sleep(1100);
    expect(await policies.sweep()).toEqual([]);
    expect(await waitingIds(BJURHOLM)).toEqual(['a-cb']);
    expect(await queue.get('a-cb')).toMatchObject({ state: 'waiting' });
  });
});

describe('closed calls and expected wait', () => {
  it('records a call that came while closed as ended, outcome closed, never in a queue', async () => {
    const { queue, policies, waitingIds } = setup(shipped);
    const record = await policies.recordClosed(caller('x', BJURHOLM), { extension: '2403100' });
    expect(record).toMatchObject({ callId: 'x', state: 'ended', outcome: 'closed', waitMs: 0, extension: '2403100' });
    expect(await policies.recordClosed(caller('x', BJURHOLM))).toEqual(record);
    expect(await waitingIds(BJURHOLM)).toEqual([]);
    expect(await queue.activeCallIds()).toEqual([]);
    expect((await queue.listRecords({ municipalityId: BJURHOLM, limit: 10 })).map((r) => r.callId)).toEqual(['x']);
  });

  it('expects the mean wait of recently answered calls, and nothing without them', async () => {
    const { queue, policies } = setup(shipped);
    const now = Date.now();
    expect(await policies.expectedWaitMs(BJURHOLM, now)).toBeUndefined();
    for (const [id, waitMs] of [
      ['a1', 30_000],
      ['a2', 90_000],
    ] as const) {
      await queue.enqueue(caller(id, BJURHOLM));
      await ctx.redis.hSet(ctx.k.call(id), { outcome: 'answered', waitMs });
    }
    await queue.enqueue(caller('gone', BJURHOLM));
    await ctx.redis.hSet(ctx.k.call('gone'), { outcome: 'abandoned', waitMs: 5_000 });
    expect(await policies.expectedWaitMs(BJURHOLM, now)).toBe(60_000);
  });
});

describe('queue policy config', () => {
  const region = (policy: string) => regionYaml(`    queuePolicy: ${policy}`);

  it('defaults to no limits and refuses overflow into an unknown or the same queue, naming the field', () => {
    expect(parseRegionConfig(region('{}'), 'region.yaml').municipalities[0]?.queuePolicy).toEqual({
      announceEverySeconds: 45,
    });
    const problems = (policy: string) => problemsOf(region(policy)).join('\n');
    expect(problems('{ maxWait: { seconds: 60, overflow: { kind: queue, municipality: "2480" } } }')).toMatch(
      /queuePolicy\.maxWait\.overflow\.municipality.*not the id/,
    );
    expect(problems('{ noOperator: { kind: queue, municipality: "2460" } }')).toMatch(
      /queuePolicy\.noOperator\.municipality.*another municipality/,
    );
    expect(problems('{ maxLength: { calls: 0, overflow: { kind: message } } }')).toMatch(/maxLength\.calls/);
  });
});
