import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminStores } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import { createArrivalConfig } from '../../src/media/arrival/arrival-config.js';
import { createOperatorStore } from '../../src/operators/operator-store.js';
import { createCallQueue } from '../../src/queue/call-queue.js';
import { UMEA, caller, sleep, useRedis } from '../support/redis.js';
import { mediaIds } from '../../src/media/media-ids.js';

const ctx = useRedis();

let region: RegionConfig;
beforeAll(async () => {
  region = await loadRegionConfig(resolve('config/region.yaml'));
});

const admin = () => createAdminStores(ctx.redis, ctx.k, createAuditLog(ctx.redis, ctx.k, { retentionDays: 1 }), region);
const actor = localActor('test');

describe('calls that end at their arrival (store/lua/arrival-ended-4.lua)', () => {
  it('records a call refused at capacity as ended, outcome rejected-capacity, without the caller, in the municipality’s calls, never in a queue', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const refused = await queue.recordEnded({ ...caller('r1', UMEA), caller: '' }, 'rejected-capacity', {
      mediaNode: 'node-a',
      arrivedAt: 1_000,
    });
    expect(refused).toMatchObject({
      callId: 'r1',
      state: 'ended',
      outcome: 'rejected-capacity',
      caller: '',
      waitMs: 0,
      mediaNode: 'node-a',
      arrivedAt: 1_000,
    });
    expect(await queue.activeCallIds()).toEqual([]);
    expect(await queue.listWaiting(UMEA)).toEqual([]);
    expect((await queue.listRecords({ municipalityId: UMEA, limit: 10 })).map((r) => r.callId)).toEqual(['r1']);
    // Safe to repeat: the same record, unchanged.
    expect(await queue.recordEnded({ ...caller('r1', UMEA), caller: '' }, 'rejected-capacity')).toEqual(refused);
  });

  it('ends a call its failed set-up had enqueued already: out of its queue and the active calls, outcome setup-failed; a later failure changes nothing', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    await queue.enqueue(caller('a', UMEA));
    await queue.enqueue(caller('b', UMEA));
    await sleep(5);
    const failed = await queue.recordEnded(caller('a', UMEA), 'setup-failed');
    expect(failed).toMatchObject({ callId: 'a', state: 'ended', outcome: 'setup-failed' });
    expect(failed.waitMs).toBeGreaterThan(0);
    expect((await queue.listWaiting(UMEA)).map((w) => w.record.callId)).toEqual(['b']);
    expect(await queue.activeCallIds()).toEqual(['b']);
    expect(await queue.recordEnded(caller('a', UMEA), 'setup-failed')).toEqual(failed);
  });

  it('an operator whose phone rang for a call whose set-up failed is free again', async () => {
    const queue = createCallQueue(ctx.redis, ctx.k, mediaIds);
    const operators = createOperatorStore(ctx.redis, ctx.k);
    await operators.login('op', { name: 'op', phone: 'sip:op@phones.example', municipalities: [UMEA] });
    await queue.enqueue(caller('c', UMEA));
    expect((await queue.claimNext('op'))?.callId).toBe('c');
    expect(await queue.recordEnded(caller('c', UMEA), 'setup-failed')).toMatchObject({
      state: 'ended',
      outcome: 'setup-failed',
    });
    expect((await operators.get('op'))?.state).toBe('available');
  });
});

describe('what the arrival reads, cached until an admin change (media/arrival/arrival-config.ts)', () => {
  it('reads a queue policy once, and again only after an admin change raised the admin version', async () => {
    const stores = admin();
    const config = createArrivalConfig({ redis: ctx.redis, k: ctx.k, admin: stores, checkEveryMs: 20 });
    try {
      // After its first look at the admin version (which starts it afresh).
      await sleep(60);
      const before = await config.admin.queuePolicies.get(UMEA);
      expect(before?.doc.announceEverySeconds).toBe(45);
      // The same object while nothing changed: no read per call.
      expect(await config.admin.queuePolicies.get(UMEA)).toBe(before);
      await stores.queuePolicies.update(UMEA, 0, { announceEverySeconds: 30 }, actor);
      const after = await eventuallyValue(
        async () => (await config.admin.queuePolicies.get(UMEA))?.doc.announceEverySeconds,
        30,
      );
      expect(after).toBe(30);
    } finally {
      await config.stop();
    }
  });

  it('tells the opening state from cached hours, and a manual override applies within the check period', async () => {
    const stores = admin();
    const config = createArrivalConfig({ redis: ctx.redis, k: ctx.k, admin: stores, checkEveryMs: 20 });
    try {
      const wednesdayMorning = new Date('2026-11-25T10:00:00+01:00');
      expect((await config.openingStateAt(UMEA, wednesdayMorning)).open).toBe(true);
      await stores.openingHours.update(
        UMEA,
        0,
        { override: { state: 'closed', until: '2026-11-25T12:00:00+01:00' } },
        actor,
      );
      const state = await eventuallyValue(
        async () => (await config.openingStateAt(UMEA, new Date(wednesdayMorning.getTime() + 1_000))).rule,
        'override',
      );
      expect(state).toBe('override');
      expect((await config.openingStateAt(UMEA, new Date(wednesdayMorning.getTime() + 2_000))).open).toBe(false);
    } finally {
      await config.stop();
    }
  });
});

/** Polls `read` until it gives `wanted` (at most 2 s), then returns what it last gave. */
async function eventuallyValue<T>(read: () => Promise<T>, wanted: T): Promise<T> {
  const deadline = Date.now() + 2_000;
  let value = await read();
  while (value !== wanted && Date.now() < deadline) {
    await sleep(10);
    value = await read();
  }
  return value;
}
