import { resolve } from 'node:path';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { Principal } from '../../src/auth/access.js';
import { loadRegionConfig } from '../../src/config/load-region.js';
import type { RegionConfig } from '../../src/config/region-schema.js';
import { createDirectoryStore } from '../../src/directory/directory-store.js';
import {
  directoryEntryInputSchema,
  toEntry,
  type DirectoryEntry,
  type DirectoryEntryInput,
} from '../../src/directory/entries/entry-schema.js';
import {
  createDirectoryEntryStore,
  type BulkOptions,
  type EntryStoreOptions,
} from '../../src/directory/entries/entry-store.js';
import type { Keys } from '../../src/store/keys.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import type { RedisTestContext } from '../support/redis.js';

/** The region as the switchboard syncs it at start (`region`, else config/region.yaml): the entry store checks members and numbers against it. */
export async function syncRegion(ctx: RedisTestContext, region?: RegionConfig): Promise<RegionConfig> {
  const synced = region ?? (await loadRegionConfig(resolve('config/region.yaml')));
  await createDirectoryStore(ctx.redis, ctx.k).syncRegion(synced);
  return synced;
}

export const TEST_ADMIN: Principal = { id: 'test-admin', name: 'Test admin', role: 'region-admin' };

/** The entries store as one admin uses it: every change made and audited as `actor`. */
export function entryStoreAs(
  redis: RedisClient,
  k: Keys,
  actor: Principal = TEST_ADMIN,
  options: EntryStoreOptions = {},
) {
  const store = createDirectoryEntryStore(redis, k, createAuditLog(redis, k, { retentionDays: 30 }), options);
  return {
    ...store,
    create: (input: DirectoryEntryInput) => store.create(input, actor),
    update: (id: string, input: DirectoryEntryInput, expectedVersion: number) =>
      store.update(id, input, expectedVersion, actor),
    setAbsence: (id: string, absence: Parameters<typeof store.setAbsence>[1]) => store.setAbsence(id, absence, actor),
    delete: (id: string, expectedVersion?: number) => store.delete(id, expectedVersion, actor),
    bulkReplace: (municipalityId: string, rows: readonly DirectoryEntryInput[], options?: BulkOptions) =>
      store.bulkReplace(municipalityId, rows, actor, options),
    bulkUpsert: (municipalityId: string, rows: readonly DirectoryEntryInput[], options?: BulkOptions) =>
      store.bulkUpsert(municipalityId, rows, actor, options),
  };
}

export { ORNSKOLDSVIK, UMEA, VANNAS } from '../support/municipalities.js';

export function person(
  givenName: string,
  familyName: string,
  municipalityId: string,
  more: Partial<DirectoryEntryInput> = {},
): DirectoryEntryInput {
  return { kind: 'person', givenName, familyName, municipalityId, ...more } as DirectoryEntryInput;
}

export function unit(
  kind: 'department' | 'function',
  name: string,
  municipalityId: string,
  more: Partial<DirectoryEntryInput> = {},
): DirectoryEntryInput {
  return { kind, name, municipalityId, ...more } as DirectoryEntryInput;
}

/** Stored entries made from inputs without Redis, for the in-memory index; ids are the position ("e0", "e1"...) unless given. */
export function entries(...inputs: DirectoryEntryInput[]): DirectoryEntry[] {
  return inputs.map((input, i) => {
    const valid = directoryEntryInputSchema.parse(input);
    return toEntry(valid, valid.id ?? `e${i}`, 1, '2025-01-01T00:00:00.000Z');
  });
}

/** Every key of the test's prefix with its content, to prove that a refused change changed nothing. */
export { storedState as snapshot } from '../support/stored-state.js';

/** Polls `found` until it is true, failing after `withinMs`: the bound the behaviour promises, not a timing measurement. */
export async function eventually(found: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
