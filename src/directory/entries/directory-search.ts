import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../../log.js';
import type { Keys } from '../../store/keys.js';
import { type RedisClient, duplicateClient } from '../../store/redis-client.js';
import { allEntries, changesAfter, streamEnd, type StreamPosition } from './change-stream.js';
import type { DirectoryEntry } from './entry-schema.js';
import {
  buildSearchIndex,
  type EntryChange,
  type SearchHit,
  type SearchIndex,
  type SearchOptions,
} from './search-index.js';

/** Changes read and applied at a time. */
const BATCH = 1000;
/** How long one blocking read waits for a change before asking again. */
const BLOCK_MS = 5_000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

export interface DirectorySearchStatus {
  entries: number;
  /** Number of the last change applied. */
  seq: number;
  /** Whether changes are being followed (between start and stop). */
  following: boolean;
  /** Full loads of the index: the first, and one after each gap in the changes. */
  loads: number;
  /** Builds of the index anew from itself, to drop the room replaced entries took. */
  rebuilds: number;
}

/**
 * The directory search of one app instance: an in-memory index (search-index.ts) loaded from
 * Redis at start and kept current by following the change stream the store writes, with a
 * blocking read on a connection of its own, so a change made through any instance is
 * searchable here within milliseconds. Changes missed while stopped are applied on the next
 * start; if the capped stream no longer has them all, the index is loaded again in full. Once
 * replaced entries take much room in the index (after an import), it is built anew in the
 * background. Searches never wait for Redis: they answer from the index as it is.
 */
export function createDirectorySearch(redis: RedisClient, k: Keys) {
  const searchLog = log.child({ component: 'directory-search' });
  /** Until the first load, searches find nothing. */
  let index: SearchIndex | undefined;
  let position: StreamPosition | undefined;
  let loads = 0;
  let rebuilds = 0;
  let follower: { client: RedisClient; stopping: { now: boolean }; done: Promise<void> } | undefined;
  let starting: Promise<void> | undefined;
  /** While a rebuild runs: the changes applied since it took its entries, to apply to the new index too. */
  let rebuilding: EntryChange[] | undefined;

  /** Reads the changes after `from` until there are none left; the position reached, or 'gap'. */
  async function catchUp(
    from: StreamPosition,
    take: (changes: EntryChange[]) => void,
  ): Promise<StreamPosition | 'gap'> {
    let at = from;
    for (;;) {
      const read = await changesAfter(redis, k, at, { count: BATCH });
      if (read === 'gap') return 'gap';
      if (read.changes.length === 0) return at;
      take(read.changes);
      at = read.position;
    }
  }

  /** Builds a new index from all entries, plus the changes made while they were read, and only then swaps it in. */
  async function load(): Promise<void> {
    const started = performance.now();
    for (;;) {
      const from = await streamEnd(redis, k);
      const entries = new Map<string, DirectoryEntry>();
      for await (const batch of allEntries(redis, k)) for (const entry of batch) entries.set(entry.id, entry);
      const reached = await catchUp(from, (changes) => {
        for (const { id, entry } of changes) {
          if (entry) entries.set(id, entry);
          else entries.delete(id);
        }
      });
      // Changes came faster than the stream keeps them while the entries were read: again.
      if (reached === 'gap') continue;
      index = await buildSearchIndex(entries.values());
      position = reached;
      loads++;
      searchLog.info(
        { entries: entries.size, seq: reached.seq, ms: Math.round(performance.now() - started) },
        'directory search index loaded',
      );
      return;
    }
  }

  function apply(changes: EntryChange[]): void {
    index!.apply(changes);
    if (rebuilding) rebuilding.push(...changes);
    else if (index!.wasteful) void rebuild(index!);
  }

  /**
   * Builds the index anew from its live entries, in the background: searches use the old one
   * and changes keep coming (kept for the new one too), so a change is still searchable within
   * the second while a large index rebuilds. A load meanwhile makes the rebuild moot.
   */
  async function rebuild(source: SearchIndex): Promise<void> {
    const started = performance.now();
    const meanwhile: EntryChange[] = [];
    rebuilding = meanwhile;
    try {
      const rebuilt = await buildSearchIndex(source.entries());
      if (index !== source) return;
      rebuilt.apply(meanwhile);
      index = rebuilt;
      rebuilds++;
      searchLog.info(
        { entries: rebuilt.size, ms: Math.round(performance.now() - started) },
        'directory search index rebuilt',
      );
    } catch (error) {
      searchLog.error({ err: error }, 'rebuilding the directory search index failed; going on with the old one');
    } finally {
      rebuilding = undefined;
    }
  }

  async function follow(client: RedisClient, stopping: { now: boolean }): Promise<void> {
    let retryMs = RETRY_FIRST_MS;
    while (!stopping.now) {
      try {
        const read = await changesAfter(client, k, position!, { count: BATCH, blockMs: BLOCK_MS });
        if (read === 'gap') {
          searchLog.warn({ seq: position!.seq }, 'directory changes were missed; loading the search index again');
          await load();
        } else if (read.changes.length > 0) {
          apply(read.changes);
          position = read.position;
        }
        retryMs = RETRY_FIRST_MS;
      } catch (error) {
        if (stopping.now) return;
        searchLog.warn({ err: error }, 'reading directory changes failed; retrying');
        await sleep(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  async function begin(): Promise<void> {
    if (follower) return;
    if (position === undefined) {
      await load();
    } else {
      const reached = await catchUp(position, apply);
      if (reached === 'gap') await load();
      else position = reached;
    }
    const client = duplicateClient(redis);
    client.on('error', (error: unknown) => searchLog.debug({ err: error }, 'directory change stream connection error'));
    await client.connect();
    const stopping = { now: false };
    follower = { client, stopping, done: follow(client, stopping) };
  }

  return {
    /** Loads the index (or, after stop, applies what was missed) and follows changes until stop. */
    start(): Promise<void> {
      starting ??= begin().finally(() => {
        starting = undefined;
      });
      return starting;
    },

    /** Stops following changes; searches go on answering from the index as it is. */
    async stop(): Promise<void> {
      // A start under way would otherwise begin following after this stop.
      await starting?.catch(() => undefined);
      if (!follower) return;
      const { client, stopping, done } = follower;
      follower = undefined;
      stopping.now = true;
      // Ends the blocking read at once, rather than when it would next time out.
      client.destroy();
      await done;
    },

    search(query: string, options?: SearchOptions): SearchHit[] {
      return index?.search(query, options) ?? [];
    },

    status(): DirectorySearchStatus {
      return { entries: index?.size ?? 0, seq: position?.seq ?? 0, following: follower !== undefined, loads, rebuilds };
    },
  };
}

export type DirectorySearch = ReturnType<typeof createDirectorySearch>;
