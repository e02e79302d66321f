import { directoryEntryInputSchema, toEntry, type DirectoryEntry, type DirectoryEntryInput } from '../../src/directory/entries/entry-schema.js';
import type { RedisTestContext } from '../support/redis.js';

export const VANNAS = '2460';
export const UMEA = '2480';
export const ORNSKOLDSVIK = '2284';

export function person(givenName: string, familyName: string, municipalityId: string, more: Partial<DirectoryEntryInput> = {}): DirectoryEntryInput {
  return { kind: 'person', givenName, familyName, municipalityId, ...more } as DirectoryEntryInput;
}

export function unit(kind: 'department' | 'function', name: string, municipalityId: string, more: Partial<DirectoryEntryInput> = {}): DirectoryEntryInput {
  return { kind, name, municipalityId, ...more } as DirectoryEntryInput;
}

/** Stored entries made from inputs without Redis, for the in-memory index; ids are the position ("e0", "e1"...) unless given. */
export function entries(...inputs: DirectoryEntryInput[]): DirectoryEntry[] {
  return inputs.map((input, i) => {
    const valid = directoryEntryInputSchema.parse(input);
    return toEntry(valid, valid.id ?? `e${i}`, 1, '2025-01-01T00:00:00.000Z');
  });
}

/** Every key of the test's prefix with its content (DUMP), to show that a refused change changed nothing. */
export async function snapshot(ctx: RedisTestContext): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const key of (await ctx.redis.keys(`${ctx.k.prefix}:*`)).sort()) state[key] = String(await ctx.redis.dump(key));
  return state;
}

/** Polls `found` until it is true, failing after `withinMs`: the bound the behaviour promises, not a timing measurement. */
export async function eventually(found: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
