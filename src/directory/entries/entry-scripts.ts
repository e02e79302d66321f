import { luaScript } from '../../store/scripts.js';

/**
 * The directory's Lua scripts (lua/<name>.lua, KEYS and ARGV documented in each header), one
 * per kind of change so that the check (version, who holds a number) and the write happen as
 * one step. Registered on the Redis client with the store's (redis-client.ts); each returns a
 * list: {'ok', ...} or a refusal.
 */
const LUA = new URL('./lua/', import.meta.url);
const script = (name: string, numberOfKeys: number) => luaScript(LUA, name, numberOfKeys, { preludes: ['_shared'] });

export const entryScripts = {
  directoryPutEntry: script('put-entry', 7),
  directoryDeleteEntry: script('delete-entry', 5),
  directoryBulkWrite: script('bulk-write', 7),
};
