import { luaScript } from '../../store/scripts.js';

/**
 * The directory's Lua scripts (lua/<name>.lua, KEYS and ARGV documented in each header), one
 * per kind of change so that the check (version, who holds a number) and the write happen as
 * one step. Registered on the Redis client with the store's (redis-client.ts); each returns a
 * list: {'ok', ...} or a refusal.
 *
 * Each runs behind the store's admin helpers (store/lua/_shared.lua and _admin.lua, as the
 * admin scripts do), since whether a municipality may list a number is one check for both
 * (_admin.lua's region_use_elsewhere), and extensions link to entries through the admin
 * store's refs. Given as absolute URLs, which luaScript reads as they are. An import is
 * checked and written by the store's import-*.lua (import/staged-import.ts), with lua/_shared.lua.
 */
const LUA = new URL('./lua/', import.meta.url);
const ADMIN_PRELUDES = ['_shared', '_admin'].map((name) => new URL(`../../store/lua/${name}`, import.meta.url).href);
const script = (name: string, numberOfKeys: number) => luaScript(LUA, name, numberOfKeys, { preludes: [...ADMIN_PRELUDES, '_shared'] });

export const entryScripts = {
  directoryPutEntry: script('put-entry', 7),
  directoryDeleteEntry: script('delete-entry', 5),
};
