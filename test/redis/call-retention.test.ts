import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/calls/call-record.js';
import { createCallRetention } from '../../src/calls/call-retention.js';
import { buildTestApp } from '../support/http-app.js';
import { UMEA, useRedis } from '../support/redis.js';
import { VANNAS } from '../support/municipalities.js';

const ctx = useRedis();
const DAY_MS = 86_400_000;
const retentionDays = 400;

/**
 * A call record as the queue scripts leave it, enqueued `ageDays` ago (this machine's clock is
 * the test redis-server's), ended and answered unless `fields` say otherwise.
 */
function call(callId: string, ageDays: number, fields: Partial<CallRecord> = {}): CallRecord {
  const enqueuedAt = Date.now() - ageDays * DAY_MS;
  return {
    callId,
    channelId: callId,
    municipalityId: VANNAS,
    calledNumber: '+4693514100',
    caller: '+46701234567',
    reason: 'main-number',
    state: 'ended',
    enqueuedAt,
    place: 1,
    attempts: 1,
    outcome: 'answered',
    waitMs: 12_000,
    answeredAt: enqueuedAt + 12_000,
    talkMs: 90_000,
    endedAt: enqueuedAt + 102_000,
    ...fields,
  };
}

/** Not ended: no outcome or end yet. */
const live = (state: CallRecord['state']): Partial<CallRecord> => ({
  state,
  outcome: undefined,
  talkMs: undefined,
  endedAt: undefined,
});

/** Writes records as enqueue-6.lua does: the hash, and the two indexes under the municipality the call arrived for. */
async function store(...records: CallRecord[]) {
  const multi = ctx.redis.multi();
  for (const record of records) {
    const hash = Object.fromEntries(
      Object.entries(record).flatMap(([field, value]) => (value === undefined ? [] : [[field, String(value)]])),
    );
    multi.hSet(ctx.k.call(record.callId), hash);
    multi.zAdd(ctx.k.callsByTime(), { score: record.enqueuedAt, value: record.callId });
    multi.zAdd(ctx.k.callsByMunicipality(record.overflowFrom ?? record.municipalityId), {
      score: record.enqueuedAt,
      value: record.callId,
    });
  }
  await multi.exec();
}

/** What Redis holds of call records: the ids that have a hash, and those in each index. */
async function stored() {
  const hashes: string[] = [];
  for await (const batch of ctx.redis.scanIterator({ MATCH: ctx.k.call('*'), COUNT: 1000 }))
    hashes.push(...batch.map((key) => key.slice(ctx.k.call('').length)));
  const index = async (key: string) => (await ctx.redis.zRange(key, 0, -1)).sort();
  return {
    hashes: hashes.sort(),
    byTime: await index(ctx.k.callsByTime()),
    vannas: await index(ctx.k.callsByMunicipality(VANNAS)),
    umea: await index(ctx.k.callsByMunicipality(UMEA)),
  };
}

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('call record retention', () => {
  it('removes ended records past the retention whole, and keeps recent ones and those not ended, whatever their age', async () => {
    await store(
      call('old-answered', 450),
      call('old-abandoned', 401, { outcome: 'abandoned', talkMs: undefined, answeredAt: undefined }),
      call('old-closed', 700, { municipalityId: UMEA, outcome: 'closed' }),
      // Arrived for Vännäs, overflowed to Umeå's queue: indexed under Vännäs, its record names Umeå.
      call('old-overflowed', 450, { municipalityId: UMEA, overflowFrom: VANNAS }),
      call('old-parked', 500, { control: 'parked' }),
      call('recent', 399),
      call('today', 0, { municipalityId: UMEA }),
      call('old-waiting', 500, live('waiting')),
      call('old-connecting', 500, live('connecting')),
      call('old-talking', 500, live('answered')),
      call('old-callback', 500, { ...live('scheduled'), kind: 'callback', callbackOf: 'old-answered' }),
    );
    // A call-back booked on an overflowed call carries its overflowFrom but is indexed where it was booked (callback-book-6.lua).
    const callback = call('old-callback-ended', 450, {
      kind: 'callback',
      callbackOf: 'old-overflowed',
      municipalityId: UMEA,
      overflowFrom: VANNAS,
    });
    await store(callback);
    await ctx.redis.zRem(ctx.k.callsByMunicipality(VANNAS), callback.callId);
    await ctx.redis.zAdd(ctx.k.callsByMunicipality(UMEA), { score: callback.enqueuedAt, value: callback.callId });
    // A parked call whose caller hung up stays in the park until the park is next listed.
    await ctx.redis.zAdd(ctx.k.park(VANNAS), { score: Date.now() - 500 * DAY_MS, value: 'old-parked' });
    const kept = ['recent', 'today', 'old-waiting', 'old-connecting', 'old-talking', 'old-callback'];
    const keptBefore = await Promise.all(kept.map((id) => ctx.redis.hGetAll(ctx.k.call(id))));

    expect(await createCallRetention(ctx.redis, ctx.k, { retentionDays }).prune()).toEqual({
      removed: 6,
      keptNotEnded: 4,
    });

    expect(await stored()).toEqual({
      hashes: [...kept].sort(),
      byTime: [...kept].sort(),
      vannas: ['old-callback', 'old-connecting', 'old-talking', 'old-waiting', 'recent'],
      umea: ['today'],
    });
    expect(await ctx.redis.exists(ctx.k.park(VANNAS))).toBe(0);
    expect(await Promise.all(kept.map((id) => ctx.redis.hGetAll(ctx.k.call(id))))).toEqual(keptBefore);
  });

  it('works through more records than one batch, past old calls at the head of the index that have not ended', async () => {
    // More not-ended ones than a batch: a run that started each batch at the head again would stop there.
    const waiting = ids('waiting-', 4).map((id, i) => call(id, 600 - i, live('waiting')));
    const old = ids('old-', 10).map((id, i) => call(id, 500 - i));
    await store(...waiting, ...old, call('recent', 10));

    expect(await createCallRetention(ctx.redis, ctx.k, { retentionDays, batchSize: 3 }).prune()).toEqual({
      removed: 10,
      keptNotEnded: 4,
    });
    const left = [...waiting.map((c) => c.callId), 'recent'].sort();
    expect(await stored()).toEqual({ hashes: left, byTime: left, vannas: left, umea: [] });
  });

  it('removes more than the default batch of 500 in one run', async () => {
    await store(
      ...ids('old-', 1234).map((id, i) => call(id, 401 + (i % 300), { municipalityId: i % 2 === 0 ? VANNAS : UMEA })),
    );

    expect(await createCallRetention(ctx.redis, ctx.k, { retentionDays }).prune()).toEqual({
      removed: 1234,
      keptNotEnded: 0,
    });
    expect(await stored()).toEqual({ hashes: [], byTime: [], vannas: [], umea: [] });
  });

  it('leaves the statistics and the cost split of periods within the retention as they were', async () => {
    const t = await buildTestApp(ctx);
    const admin = await t.tokenFor('region-admin');
    const outcomes = [
      {},
      { outcome: 'abandoned' as const, waitMs: 3_000, talkMs: undefined, answeredAt: undefined },
      { outcome: 'closed' as const, waitMs: 0, talkMs: undefined, answeredAt: undefined },
    ];
    // The last 90 days, every third day (last month included, whatever today is), and as many before the retention.
    const recent = Array.from({ length: 30 }, (_, i) =>
      call(`recent-${i}`, 1 + 3 * i, {
        ...outcomes[i % 3],
        municipalityId: i % 2 === 0 ? VANNAS : UMEA,
        waitMs: 1_000 * i,
      }),
    );
    const old = Array.from({ length: 30 }, (_, i) =>
      call(`old-${i}`, 401 + 3 * i, { ...outcomes[i % 3], municipalityId: i % 2 === 0 ? VANNAS : UMEA }),
    );
    await store(...recent, ...old);

    const today = DateTime.now().setZone('Europe/Stockholm');
    const range = `from=${today.minus({ days: 90 }).toISODate()}&to=${today.toISODate()}&groupBy=day`;
    const lastMonth = today.minus({ months: 1 }).toFormat('yyyy-MM');
    const outputs = async () => {
      const get = async (path: string) => {
        const response = await t.app.request(path, { headers: { authorization: `Bearer ${admin}` } });
        return { status: response.status, body: await response.text() };
      };
      return Promise.all([
        get(`/api/v1/statistics/municipalities/${VANNAS}?${range}`),
        get(`/api/v1/statistics/municipalities/${UMEA}?${range}`),
        get(`/api/v1/statistics/municipalities/${VANNAS}/cost-split.csv?month=${lastMonth}`),
        get(`/api/v1/statistics/municipalities/${UMEA}/cost-split.csv?month=${lastMonth}`),
      ]);
    };
    const before = await outputs();
    expect(before.map((o) => o.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(before[0]!.body)).toMatchObject({ total: { offered: 15 } });

    expect(await createCallRetention(ctx.redis, ctx.k, { retentionDays }).prune()).toEqual({
      removed: 30,
      keptNotEnded: 0,
    });
    expect(await outputs()).toEqual(before);
  });

  it('is safe to run again, and from several instances at once', async () => {
    const old = ids('old-', 50).map((id, i) => call(id, 401 + i, { municipalityId: i % 2 === 0 ? VANNAS : UMEA }));
    await store(...old, call('recent', 30), call('waiting', 500, live('waiting')));
    const instances = [ctx.redis, await ctx.connect(), await ctx.connect()].map((redis) =>
      createCallRetention(redis, ctx.k, { retentionDays, batchSize: 7 }),
    );

    const runs = await Promise.all(instances.map((instance) => instance.prune()));
    expect(runs.reduce((sum, run) => sum + run.removed, 0)).toBe(50);
    const after = await stored();
    expect(after).toEqual({
      hashes: ['recent', 'waiting'],
      byTime: ['recent', 'waiting'],
      vannas: ['recent', 'waiting'],
      umea: [],
    });

    expect(await instances[0]!.prune()).toEqual({ removed: 0, keptNotEnded: 1 });
    expect(await stored()).toEqual(after);
  });

  it('leaves whole records only when a run stops after a batch, and the next run goes on', async () => {
    const old = ids('old-', 10).map((id, i) => call(id, 500 - i));
    await store(...old);
    const retention = createCallRetention(ctx.redis, ctx.k, { retentionDays, batchSize: 4 });

    expect(await retention.prune({ signal: AbortSignal.abort() })).toEqual({ removed: 4, keptNotEnded: 0 });
    // The oldest four are gone from everywhere, the others are there in full.
    const rest = old.slice(4).map((c) => c.callId);
    expect(await stored()).toEqual({ hashes: rest, byTime: rest, vannas: rest, umea: [] });

    expect(await retention.prune()).toEqual({ removed: 6, keptNotEnded: 0 });
    expect(await stored()).toEqual({ hashes: [], byTime: [], vannas: [], umea: [] });
  });
});
