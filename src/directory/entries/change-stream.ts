import type { Keys } from '../../store/keys.js';
import type { RedisClient } from '../../store/redis-client.js';
import type { DirectoryEntry } from './entry-schema.js';
import type { EntryChange } from './search-index.js';

/**
 * Reading the directory from Redis as an app instance's search index needs it: all entries
 * at once, then every change after them, in order, from the stream the store's scripts write
 * ({p}:directory:changes). Each change carries its entry's whole new state, so applying one
 * twice, or applying one already reflected in the entries read, is harmless.
 */

/** A place in the change stream: the last change read (stream id) and its number. */
export interface StreamPosition {
  streamId: string;
  seq: number;
}

export type ChangesRead =
  | { changes: EntryChange[]; position: StreamPosition }
  /** Changes after the position were trimmed from the capped stream (or Redis lost them): reload everything. */
  | 'gap';

interface StreamMessage {
  id: string;
  message: Record<string, string>;
}

/** Where the stream ends now: reading on from here misses nothing written later. */
export async function streamEnd(redis: RedisClient, k: Keys): Promise<StreamPosition> {
  // One MULTI, so that the last change and the counter agree even while changes are written.
  const [last, seq] = (await redis
    .multi()
    .xRevRange(k.directoryChanges(), '+', '-', { COUNT: 1 })
    .get(k.directoryChangeSeq())
    .exec()) as unknown as [StreamMessage[], string | null];
  return { streamId: last[0]?.id ?? '0-0', seq: Number(seq ?? 0) };
}

/** Every entry, a batch at a time (HSCAN, so Redis is never busy with all of them at once). */
export async function* allEntries(redis: RedisClient, k: Keys): AsyncGenerator<DirectoryEntry[]> {
  let cursor = '0';
  do {
    const page = await redis.hScan(k.directoryEntries(), cursor, { COUNT: 1000 });
    cursor = String(page.cursor);
    yield page.entries.map(({ value }) => JSON.parse(value) as DirectoryEntry);
  } while (cursor !== '0');
}

/**
 * The changes after `after`, at most `count`; with `blockMs`, waits that long for the first
 * (on a connection of its own: a blocked connection can do nothing else).
 */
export async function changesAfter(
  redis: RedisClient,
  k: Keys,
  after: StreamPosition,
  { count, blockMs }: { count: number; blockMs?: number },
): Promise<ChangesRead> {
  const reply = (await redis.xRead(
    { key: k.directoryChanges(), id: after.streamId },
    { COUNT: count, ...(blockMs === undefined ? {} : { BLOCK: blockMs }) },
  )) as { messages: StreamMessage[] }[] | null;
  const messages = reply?.[0]?.messages ?? [];
  if (messages.length === 0) return { changes: [], position: after };
  // Numbers without a hole: the first must follow the last one read, or some were missed.
  if (Number(messages[0]!.message.seq) !== after.seq + 1) return 'gap';
  const last = messages.at(-1)!;
  return {
    changes: messages.map(({ message }) => ({
      id: message.id!,
      entry: message.entry ? (JSON.parse(message.entry) as DirectoryEntry) : undefined,
    })),
    position: { streamId: last.id, seq: Number(last.message.seq) },
  };
}
