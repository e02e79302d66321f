import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createDirectorySearch, type DirectorySearch } from '../../src/directory/entries/directory-search.js';
import { useRedis } from '../support/redis.js';
import { entryStoreAs, eventually, person, syncRegion, UMEA, unit, VANNAS } from './support.js';

const ctx = useRedis();
beforeEach(() => syncRegion(ctx));

/** What the requirement promises: a change made through any instance is searchable in every instance within a second. */
const SYNC_BOUND_MS = 1_000;
/** For what must happen but has no promised time. */
const LIVENESS_MS = 30_000;

/** Two app instances on one Redis, each with its own connection, store and search; stopped after the test. */
async function twoInstances(options: { changeLogLength?: number } = {}) {
  const instances = await Promise.all(
    ['a', 'b'].map(async () => {
      const redis = await ctx.connect();
      return {
        redis,
        store: entryStoreAs(redis, ctx.k, undefined, options),
        search: createDirectorySearch(redis, ctx.k),
      };
    }),
  );
  onTestFinished(async () => {
    await Promise.all(instances.map(({ search }) => search.stop()));
  });
  return instances as [(typeof instances)[0], (typeof instances)[0]];
}

const found = (search: DirectorySearch, query: string) => search.search(query).map((hit) => hit.entry.name);

describe('directory search across app instances', () => {
  it('loads what is in Redis at start', async () => {
    const [a, b] = await twoInstances();
    await a.store.create(person('Åsa', 'Öberg', VANNAS, { keywords: ['bygglov'] }));
    await b.search.start();

    expect(found(b.search, 'asa')).toEqual(['Åsa Öberg']);
    expect(b.search.status()).toMatchObject({ entries: 1, seq: 1, following: true, loads: 1 });
  });

  it('finds a change made through one instance in the other, and in itself', async () => {
    const [a, b] = await twoInstances();
    await Promise.all([a.search.start(), b.search.start()]);

    const created = await a.store.create(person('Björn', 'Zackrisson', UMEA, { extension: '2480200' }));
    await eventually(() => found(b.search, 'bjorn').length === 1, SYNC_BOUND_MS);
    await eventually(() => found(a.search, '2480200').length === 1, SYNC_BOUND_MS);

    const away = await b.store.setAbsence(created.id, { reason: 'lunch', until: '2999-01-01T13:00:00+01:00' });
    await eventually(() => a.search.search('zackrisson')[0]?.absence?.reason === 'lunch', SYNC_BOUND_MS);

    await b.store.update(created.id, person('Björn', 'Lindqvist', UMEA, { extension: '2480200' }), away.version);
    await eventually(
      () => found(a.search, 'lindqvist').length === 1 && found(a.search, 'zackrisson').length === 0,
      SYNC_BOUND_MS,
    );

    await a.store.delete(created.id);
    await eventually(() => found(b.search, '2480200').length === 0, SYNC_BOUND_MS);
    expect(b.search.status().entries).toBe(0);
  });

  it('follows a bulk import', async () => {
    const [a, b] = await twoInstances();
    await b.search.start();
    await a.store.bulkReplace(
      VANNAS,
      Array.from({ length: 2_500 }, (_, i) => person(`Person${i}`, 'Importsson', VANNAS)),
    );

    await eventually(() => b.search.status().entries === 2_500, SYNC_BOUND_MS);
    expect(b.search.search('person2499')[0]).toMatchObject({
      match: 'exact',
      entry: { name: 'Person2499 Importsson' },
    });
  });

  it('builds its index anew once replaced entries take much room, and goes on finding everything', async () => {
    const [a, b] = await twoInstances();
    const rows = (title: string) =>
      Array.from({ length: 5_000 }, (_, i) => person(`Person${i}`, 'Importsson', VANNAS, { id: `p${i}`, title }));
    await a.store.bulkReplace(VANNAS, rows('Handläggare'));
    await b.search.start();

    await a.store.bulkReplace(VANNAS, rows('Utredare'));
    await eventually(() => b.search.search('utredare person4999')[0]?.entry.id === 'p4999', SYNC_BOUND_MS);
    // Not a matter of time: the rebuild follows the changes, however long it takes.
    await eventually(() => b.search.status().rebuilds === 1, LIVENESS_MS);
    expect(b.search.status()).toMatchObject({ entries: 5_000, loads: 1 });
    expect(b.search.search('utredare person4999')[0]).toMatchObject({
      match: 'exact',
      entry: { id: 'p4999', title: 'Utredare' },
    });
    expect(b.search.search('handlaggare')).toEqual([]);
  });

  it('catches up on the changes it missed while stopped', async () => {
    const [a, b] = await twoInstances();
    await b.search.start();
    const gone = await a.store.create(unit('function', 'Färdtjänst', UMEA));
    await eventually(() => found(b.search, 'fardtjanst').length === 1, SYNC_BOUND_MS);

    await b.search.stop();
    expect(b.search.status().following).toBe(false);
    await a.store.create(unit('function', 'Bygglov', VANNAS));
    await a.store.delete(gone.id);
    // Stopped, it answers from the index as it was.
    expect(found(b.search, 'fardtjanst')).toEqual(['Färdtjänst']);

    await b.search.start();
    expect(found(b.search, 'bygglov')).toEqual(['Bygglov']);
    expect(found(b.search, 'fardtjanst')).toEqual([]);
    expect(b.search.status()).toMatchObject({ following: true, loads: 1, rebuilds: 0, seq: 3 });
  });

  it('loads everything again when the changes it missed are no longer in the stream', async () => {
    const [a, b] = await twoInstances();
    await b.search.start();
    await b.search.stop();
    for (const name of ['Bygglov', 'Färdtjänst', 'Hemtjänst']) await a.store.create(unit('function', name, VANNAS));
    // As if many more changes had come since: the capped stream keeps only the last one.
    await ctx.redis.xTrim(ctx.k.directoryChanges(), 'MAXLEN', 1);

    await b.search.start();
    expect(b.search.status()).toMatchObject({ entries: 3, seq: 3, loads: 2 });
    expect(found(b.search, 'bygglov')).toEqual(['Bygglov']);
  });

  it('notices a gap while following, and loads again', async () => {
    const [a, b] = await twoInstances({ changeLogLength: 1 });
    await b.search.start();
    // Redis lost the stream and its counter (a restart without persistence, say).
    await a.store.create(unit('function', 'Bygglov', VANNAS));
    await eventually(() => b.search.status().seq === 1, SYNC_BOUND_MS);
    await ctx.redis.del([ctx.k.directoryChanges(), ctx.k.directoryChangeSeq()]);
    await ctx.redis.hDel(ctx.k.directoryEntries(), (await a.store.list(VANNAS)).entries[0]!.id);
    await a.store.create(unit('function', 'Hemtjänst', VANNAS));

    await eventually(() => found(b.search, 'hemtjanst').length === 1, SYNC_BOUND_MS);
    expect(b.search.status().loads).toBe(2);
    expect(found(b.search, 'bygglov')).toEqual([]);
  });

  it('loads again when Redis comes back without its data', async () => {
    const [a, b] = await twoInstances();
    await a.store.create(unit('function', 'Bygglov', VANNAS));
    await b.search.start();

    // No persistence in the test server: it restarts empty, as a Redis without AOF after a crash.
    await ctx.server.restart();
    await eventually(() => a.redis.isReady && ctx.redis.isReady, LIVENESS_MS);
    // The region, as a switchboard starting on the emptied Redis writes it.
    await syncRegion(ctx);
    await a.store.create(unit('function', 'Hemtjänst', VANNAS));

    await eventually(() => found(b.search, 'hemtjanst').length === 1, LIVENESS_MS);
    expect(found(b.search, 'bygglov')).toEqual([]);
    expect(b.search.status()).toMatchObject({ entries: 1, loads: 2, following: true });
  });

  it('starts once when asked twice at the same time, and stops quietly when not started', async () => {
    const [, b] = await twoInstances();
    await b.search.stop();
    await Promise.all([b.search.start(), b.search.start()]);
    expect(b.search.status()).toMatchObject({ following: true, loads: 1 });
  });
});
