import { resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExtensionStore, type ExtensionInput } from '../../src/admin/extensions.js';
import { createAdminStores } from '../../src/admin/index.js';
import { regionRules } from '../../src/admin/region-rules.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { localActor } from '../../src/auth/token-store.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import type { DirectoryEntryInput } from '../../src/directory/entries/entry-schema.js';
import { rowProblemsOf } from '../../src/import/row-problems.js';
import { createStagedImports, type ImportPhase } from '../../src/import/staged-import.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { entryStoreAs, person, snapshot, syncRegion, UMEA, VANNAS } from '../directory/support.js';
import { sleep, useRedis } from '../support/redis.js';

/**
 * Imports staged, checked and written in chunks (src/import/staged-import.ts): all or nothing
 * even when the importing process stops half-way, and against single changes made meanwhile.
 * A process "stops" here by losing its Redis connection (destroyed) at a chosen step: nothing
 * it would send after that reaches Redis, as when it is killed.
 */
const ctx = useRedis();
let region: RegionConfig;
beforeAll(async () => {
  region = await loadRegionConfig(resolve('config/region.yaml'));
});
beforeEach(() => syncRegion(ctx, region));

/** Chunks of 10 rows; for an importer that stops, a lease short enough for a test to outwait. */
const CHUNKED = { chunkRows: 10 };
const STOPPING = { chunkRows: 10, leaseMs: 1_000 };
const setupActor = localActor('test setup');
const PASSWORD = 'correct horse battery staple';

const rows = (count: number, municipalityId = VANNAS): DirectoryEntryInput[] =>
  Array.from({ length: count }, (_, i) =>
    person(`Förnamn${i}`, 'Efternamn', municipalityId, { extension: String(99_000 + i) }),
  );
const importKeys = () => ctx.redis.keys(`${ctx.k.prefix}:import*`);
const auditActions = async (municipalityId: string) =>
  ((await ctx.redis.xRange(ctx.k.audit(municipalityId), '-', '+')) ?? []).map((e) => e.message.action);
const extensions = (redis: RedisClient, imports: { chunkRows: number; leaseMs?: number } = CHUNKED) =>
  createExtensionStore(redis, ctx.k, createAuditLog(redis, ctx.k, { retentionDays: 30 }), regionRules(region), {
    sipRealm: 'regionvaxel',
    imports,
  });
const extension = (n: number, more: Partial<ExtensionInput> = {}): ExtensionInput => ({
  extension: String(2460100 + n),
  displayName: `Person ${n}`,
  municipalityId: VANNAS,
  password: PASSWORD,
  ...more,
});

/** A progress callback that stops the importing process (its connection) at the first report of `phase` with at least `done` rows. */
function stopAt(redis: RedisClient, phase: ImportPhase, done: number) {
  return (at: ImportPhase, count: number) => {
    if (at === phase && count >= done && redis.isOpen) redis.destroy();
  };
}

describe('an import written in chunks', () => {
  it('stages, checks and writes each chunk in its own short script, reporting each phase, and leaves nothing of itself behind', async () => {
    const reported: string[] = [];
    const written = await entryStoreAs(ctx.redis, ctx.k, setupActor, { imports: CHUNKED }).bulkUpsert(
      VANNAS,
      rows(35),
      {
        onProgress: (phase, done, total) => void reported.push(`${phase} ${done}/${total}`),
      },
    );

    expect(written).toMatchObject({ created: 35 });
    expect(reported).toEqual(
      ['staging', 'checking', 'switching'].flatMap((phase) => [10, 20, 30, 35].map((done) => `${phase} ${done}/35`)),
    );
    expect(await ctx.redis.hLen(ctx.k.directoryEntries())).toBe(35);
    expect(await auditActions(VANNAS)).toEqual(Array(35).fill('create'));
    expect(await importKeys()).toEqual([]);
  });

  it('is finished by the next single change when its process stopped half-way through writing (roll forward), audited per object', async () => {
    const importer = await ctx.connect();
    const attempt = entryStoreAs(importer, ctx.k, setupActor, { imports: STOPPING }).bulkUpsert(VANNAS, rows(50), {
      onProgress: stopAt(importer, 'switching', 20),
    });

    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'import_unfinished' });
    // Half written, and the fence still up: readers see part of the import for now.
    expect(await ctx.redis.hLen(ctx.k.directoryEntries())).toBe(20);
    expect(await ctx.redis.exists(ctx.k.importSwitch())).toBe(1);

    // A single change waits for the lease to run out, writes the rest of the import, then is made.
    const single = await entryStoreAs(ctx.redis, ctx.k).create(
      person('Efter', 'Importen', UMEA, { extension: '99500' }),
    );
    expect(single.version).toBe(1);
    expect(await ctx.redis.hLen(ctx.k.directoryEntries())).toBe(51);
    expect(await ctx.redis.hLen(ctx.k.directoryExtensions())).toBe(51);
    expect(await auditActions(VANNAS)).toEqual(Array(50).fill('create'));
    expect(await importKeys()).toEqual([]);
  });

  it('writes nothing when its process stopped before committing: whoever meets it next discards it', async () => {
    const importer = await ctx.connect();
    await entryStoreAs(ctx.redis, ctx.k).create(person('Redan', 'Här', VANNAS, { extension: '99999' }));
    const before = await snapshot(ctx);
    const attempt = entryStoreAs(importer, ctx.k, setupActor, { imports: STOPPING }).bulkReplace(VANNAS, rows(30), {
      onProgress: stopAt(importer, 'checking', 10),
    });

    await expect(attempt).rejects.toThrow();
    expect(await ctx.redis.exists(ctx.k.importSwitch())).toBe(1);
    expect(await createStagedImports(ctx.redis, ctx.k).recover()).toBe('live');
    await sleep(STOPPING.leaseMs + 50);
    expect(await createStagedImports(ctx.redis, ctx.k).recover()).toBe('discarded');
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('of extensions is finished by the switchboard’s recovery when its process stopped after the first chunk', async () => {
    const importer = await ctx.connect();
    const attempt = extensions(importer, STOPPING).bulkWrite(
      VANNAS,
      Array.from({ length: 25 }, (_, n) => ({ input: extension(n, n === 24 ? { directNumber: '0935-141 24' } : {}) })),
      'upsert',
      setupActor,
      { onProgress: stopAt(importer, 'switching', 10) },
    );
    await expect(attempt).rejects.toMatchObject({ status: 503, code: 'import_unfinished' });
    expect(await ctx.redis.zCard(ctx.k.adminIndex('extension', VANNAS))).toBe(10);

    await sleep(STOPPING.leaseMs + 50);
    expect(await createStagedImports(ctx.redis, ctx.k).recover()).toBe('finished');
    const store = extensions(ctx.redis);
    expect((await store.list({ municipalityId: VANNAS, limit: 100 })).items).toHaveLength(25);
    expect(await ctx.redis.get(ctx.k.claim('e164:+4693514124'))).toMatch(/^extension:/);
    expect(await store.sipCredentials('2460124')).toMatchObject({ username: '2460124' });
    expect(await auditActions(VANNAS)).toEqual(Array(25).fill('create'));
    expect(await importKeys()).toEqual([]);
  });
});

describe('an import beside single changes', () => {
  it('fails with nothing written when a single change takes a value it needs after it read the data', async () => {
    const other = entryStoreAs(await ctx.connect(), ctx.k);
    let afterChange: Map<string, string> | undefined;
    const attempt = entryStoreAs(ctx.redis, ctx.k, setupActor, { imports: CHUNKED }).bulkUpsert(VANNAS, rows(30), {
      onProgress: async (phase) => {
        if (phase !== 'staging' || afterChange) return;
        // Umeå lists an extension outside every range, which row 25 of the import lists too.
        await other.create(person('Hann', 'Först', UMEA, { extension: '99025' }));
        afterChange = await snapshot(ctx);
      },
    });
    const refused = await attempt.catch((error: unknown) => error);

    expect(refused).toMatchObject({ status: 409, code: 'import_conflicts' });
    expect(rowProblemsOf(refused)).toEqual([
      {
        row: 25,
        field: 'extension',
        problem: expect.stringContaining('extension 99025 is already used by Hann Först'),
      },
    ]);
    // The single change, and nothing of the import (its staging was under keys of its own, gone now).
    expect(await snapshot(ctx)).toEqual(
      new Map([...afterChange!].filter(([key]) => !key.startsWith(`${ctx.k.prefix}:import`))),
    );
    expect(await importKeys()).toEqual([]);
  });

  it('of extensions fails likewise when a number takes a direct number it needs meanwhile', async () => {
    const { numbers } = createAdminStores(
      await ctx.connect(),
      ctx.k,
      createAuditLog(ctx.redis, ctx.k, { retentionDays: 30 }),
      region,
    );
    let afterChange: Map<string, string> | undefined;
    const refused = await extensions(ctx.redis)
      .bulkWrite(
        VANNAS,
        Array.from({ length: 15 }, (_, n) => ({
          input: extension(n, n === 12 ? { directNumber: '0935-141 12' } : {}),
        })),
        'upsert',
        setupActor,
        {
          onProgress: async (phase) => {
            if (phase !== 'staging' || afterChange) return;
            await numbers.create(
              { number: '0935-141 12', municipalityId: VANNAS, target: { kind: 'queue' } },
              setupActor,
            );
            afterChange = await snapshot(ctx);
          },
        },
      )
      .catch((error: unknown) => error);

    expect(refused).toMatchObject({
      status: 409,
      code: 'import_conflicts',
      details: [{ row: 12, field: 'directNumber', problem: '0935-141 12 is already held by number 0935-141 12' }],
    });
    expect(await ctx.redis.zCard(ctx.k.adminIndex('extension', VANNAS))).toBe(0);
    expect(await snapshot(ctx)).toEqual(
      new Map([...afterChange!].filter(([key]) => !key.startsWith(`${ctx.k.prefix}:import`))),
    );
    expect(await importKeys()).toEqual([]);
  });

  it('of the directory in replace mode reads again when an entry is added after it read the municipality, and deletes that one too', async () => {
    const other = entryStoreAs(await ctx.connect(), ctx.k);
    let added = '';
    const written = await entryStoreAs(ctx.redis, ctx.k, setupActor, { imports: CHUNKED }).bulkReplace(
      VANNAS,
      rows(15),
      {
        onProgress: async (phase) => {
          if (phase === 'staging' && !added) added = (await other.create(person('Ny', 'Under', VANNAS))).id;
        },
      },
    );

    expect(written).toMatchObject({ created: 15, deleted: 1 });
    expect(await entryStoreAs(ctx.redis, ctx.k).get(added)).toBeUndefined();
    expect(await auditActions(VANNAS)).toEqual(['create', 'delete', ...Array(15).fill('create')]);
  });

  it('makes a single change during its switch-over wait for it; the change then meets what the import wrote', async () => {
    const other = entryStoreAs(await ctx.connect(), ctx.k);
    const finished: string[] = [];
    let single: Promise<unknown> | undefined;
    const importing = entryStoreAs(ctx.redis, ctx.k, setupActor, { imports: CHUNKED })
      .bulkUpsert(VANNAS, rows(30), {
        onProgress: (phase) => {
          // Row 25 is written by the third chunk; the change asks for its extension after the first.
          if (phase === 'switching')
            single ??= other
              .create(person('För', 'Sent', UMEA, { extension: '99025' }))
              .catch((error: unknown) => error)
              .finally(() => finished.push('single change'));
        },
      })
      .finally(() => finished.push('import'));

    await expect(importing).resolves.toMatchObject({ created: 30 });
    await expect(single).resolves.toMatchObject({ status: 409, code: 'extension_taken' });
    expect(finished).toEqual(['import', 'single change']);
  });

  it('refuses a second import of the same municipality while one is under way (409); a dry run and another municipality’s import go on', async () => {
    const second = entryStoreAs(await ctx.connect(), ctx.k);
    const outcomes: unknown[] = [];
    await entryStoreAs(ctx.redis, ctx.k, setupActor, { imports: CHUNKED }).bulkUpsert(VANNAS, rows(20), {
      onProgress: async (phase, done) => {
        if (phase !== 'staging' || done !== 10) return;
        outcomes.push(await second.bulkUpsert(VANNAS, rows(3)).catch((error: unknown) => error));
        outcomes.push(await second.bulkUpsert(VANNAS, rows(3), { dryRun: true }));
        outcomes.push(await second.bulkUpsert(UMEA, [person('Umeå', 'Samtidigt', UMEA)]));
      },
    });

    expect(outcomes).toEqual([
      expect.objectContaining({
        status: 409,
        code: 'import_in_progress',
        message: expect.stringContaining('An import of directory into 2460 is under way (started '),
      }),
      expect.objectContaining({ created: 3 }),
      expect.objectContaining({ created: 1 }),
    ]);
    expect(await ctx.redis.hLen(ctx.k.directoryEntries())).toBe(21);
    expect(await importKeys()).toEqual([]);
  });
});
