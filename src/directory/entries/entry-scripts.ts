import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorReply } from 'redis';
import type { RedisClient } from '../../store/redis-client.js';

/**
 * The directory's Lua scripts (lua/<name>.lua, KEYS and ARGV documented in each header), one
 * per kind of change so that the check (version, who holds a number) and the write happen as
 * one step. They are sent by EVALSHA, and in full only when Redis does not know them yet (a
 * fresh or restarted server), so a write costs one round trip.
 */
export interface EntryScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

const shared = readLua('_shared');

export const entryScripts = {
  put: script('put-entry'),
  delete: script('delete-entry'),
  bulkWrite: script('bulk-write'),
};

export async function runEntryScript(redis: RedisClient, script: EntryScript, keys: string[], args: string[]): Promise<unknown[]> {
  let reply: unknown;
  try {
    reply = await redis.evalSha(script.sha1, { keys, arguments: args });
  } catch (error) {
    if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
    reply = await redis.eval(script.source, { keys, arguments: args });
  }
  if (!Array.isArray(reply)) throw new Error(`script ${script.name} replied ${JSON.stringify(reply)}, expected a list`);
  return reply;
}

function readLua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

function script(name: string): EntryScript {
  const source = `${shared}\n${readLua(name)}`;
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}
