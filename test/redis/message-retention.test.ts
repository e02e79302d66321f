import { describe, expect, it } from 'vitest';
import { localActor } from '../../src/auth/token-store.js';
import { createMessageRetention } from '../../src/calls/messages/message-retention.js';
import { buildTestApp } from '../support/http-app.js';
import { sleep, useRedis } from '../support/redis.js';
import { UMEA, VANNAS } from '../support/municipalities.js';

const ctx = useRedis();
const DAY_MS = 86_400_000;
const retentionDays = 90;

async function setup() {
  const t = await buildTestApp(ctx);
  const anna = await t.entries.create(
    { municipalityId: VANNAS, kind: 'person', givenName: 'Anna', familyName: 'Berg' },
    localActor('test setup'),
  );
  const bo = await t.entries.create(
    { municipalityId: UMEA, kind: 'person', givenName: 'Bo', familyName: 'Ek' },
    localActor('test setup'),
  );
  const take = (entryId: string, text: string) =>
    t.callControl.messages.create(
      { entryId, text, callerName: 'Karin Ström', callerNumber: '+46701234567' },
      'operator-1',
    );
  return { t, anna, bo, take };
}

/** Retention whose clock reads `now` (ms): Redis's clock moved on by as much as the test says. */
const retentionAt = (now: number, batchSize?: number) =>
  createMessageRetention(ctx.redis, ctx.k, { retentionDays, batchSize, now: async () => now });

/** What Redis holds of messages: the ids that have a hash, and those in each index, to prove messages go whole. */
async function stored() {
  const scan = async (pattern: string) => {
    const found: string[] = [];
    for await (const batch of ctx.redis.scanIterator({ MATCH: pattern, COUNT: 1000 })) found.push(...batch);
    return found.sort();
  };
  const hashes = (await scan(ctx.k.message('*'))).map((key) => key.slice(ctx.k.message('').length));
  const indexed = async (pattern: string) =>
    (await Promise.all((await scan(pattern)).map((key) => ctx.redis.zRange(key, 0, -1)))).flat().sort();
  return {
    hashes: hashes.sort(),
    byMunicipality: await indexed(ctx.k.messagesByMunicipality('*')),
    byRecipient: await indexed(ctx.k.messagesByRecipient('*')),
  };
}

describe('message retention', () => {
  it('removes messages (caller’s name, number, text) created more than MESSAGE_RETENTION_DAYS ago, handled or not, and keeps newer ones', async () => {
    const { t, anna, bo, take } = await setup();
    const old = [await take(anna.id, 'Ring om bygglovet'), await take(bo.id, 'Till Bo')];
    await t.callControl.messages.markHandled(old[0]!.id, 'operator-1');
    await sleep(20);
    const recent = await take(anna.id, 'Nyare');
    // The cutoff falls between the two: `old` is 90 days and 10 ms old, `recent` 90 days less 10 ms.
    const now = (old[1]!.createdAt + recent.createdAt) / 2 + retentionDays * DAY_MS;

    expect(await retentionAt(old[0]!.createdAt + retentionDays * DAY_MS - 1).prune()).toEqual({ removed: 0 });
    expect(await retentionAt(now).prune()).toEqual({ removed: 2 });
    expect(await stored()).toEqual({ hashes: [recent.id], byMunicipality: [recent.id], byRecipient: [recent.id] });
    expect(await t.callControl.messages.get(old[0]!.id)).toBeNull();
    const operator = await t.tokenFor('operator');
    for (const municipality of [VANNAS, UMEA]) {
      const listed = await t.call('GET', `/api/v1/messages?municipality=${municipality}`, { auth: operator });
      expect((listed.body.messages as { id: string }[]).map((m) => m.id)).toEqual(
        municipality === VANNAS ? [recent.id] : [],
      );
    }
    // Again: nothing more to do.
    expect(await retentionAt(now).prune()).toEqual({ removed: 0 });
  });

  it('works in batches, each message whole: a run stopped after a batch leaves whole messages, and the next finishes', async () => {
    const { anna, take } = await setup();
    const taken = [];
    for (let i = 0; i < 5; i++) taken.push(await take(anna.id, `Anna ${i}`));
    const later = taken.at(-1)!.createdAt + retentionDays * DAY_MS + 1;

    const stopping = new AbortController();
    stopping.abort();
    // One batch of two, then it stops (as at a shutdown): the oldest two are gone whole.
    expect(await retentionAt(later, 2).prune({ signal: stopping.signal })).toEqual({ removed: 2 });
    const left = taken
      .slice(2)
      .map((m) => m.id)
      .sort();
    expect(await stored()).toEqual({ hashes: left, byMunicipality: left, byRecipient: left });

    expect(await retentionAt(later, 2).prune()).toEqual({ removed: 3 });
    expect(await stored()).toEqual({ hashes: [], byMunicipality: [], byRecipient: [] });
  });

  it('prunes a former member’s messages too, and an index entry whose message is already gone', async () => {
    await setup();
    const [seconds] = await ctx.redis.time();
    const longAgo = (Number(seconds) - 400 * 86_400) * 1_000_000;
    // As message-store.ts writes one, in a municipality no longer in config/region.yaml.
    await ctx.redis
      .multi()
      .hSet(ctx.k.message('former'), {
        id: 'former',
        entryId: 'e9',
        municipalityId: '9999',
        text: 'Gammalt',
        createdAt: String(longAgo / 1000),
      })
      .zAdd(ctx.k.messagesByMunicipality('9999'), { score: longAgo, value: 'former' })
      .zAdd(ctx.k.messagesByRecipient('entry:e9'), { score: longAgo, value: 'former' })
      .zAdd(ctx.k.messagesByMunicipality(VANNAS), { score: longAgo, value: 'lost' })
      .exec();
    const retention = createMessageRetention(ctx.redis, ctx.k, { retentionDays });
    expect(await retention.prune()).toEqual({ removed: 2 });
    expect(await stored()).toEqual({ hashes: [], byMunicipality: [], byRecipient: [] });
  });
});
