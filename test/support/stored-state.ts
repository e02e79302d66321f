import type { RedisTestContext } from './redis.js';

/**
 * Every key under the prefix with a hash of its content, in one round trip, so that each request
 * can be checked without slowing the fuzzing down. The content, not DUMP's bytes: a large hash or
 * set is dumped in its hash table's order, which incremental rehashing changes on mere reads.
 * Hashes and sets are sorted; zsets in score order with scores; streams with their entries' ids
 * and the last id given (an entry added and deleted again still shows).
 */
const STATE_SCRIPT = `
local function joined(values) return table.concat(values, '\\0') end
local out = {}
local names = redis.call('KEYS', ARGV[1])
table.sort(names)
for _, name in ipairs(names) do
  local kind = redis.call('TYPE', name).ok
  local content
  if kind == 'string' then
    content = redis.call('GET', name)
  elseif kind == 'hash' then
    local flat, fields = redis.call('HGETALL', name), {}
    for i = 1, #flat, 2 do fields[#fields + 1] = flat[i] .. '=' .. flat[i + 1] end
    table.sort(fields)
    content = joined(fields)
  elseif kind == 'set' then
    local members = redis.call('SMEMBERS', name)
    table.sort(members)
    content = joined(members)
  elseif kind == 'zset' then
    content = joined(redis.call('ZRANGE', name, 0, -1, 'WITHSCORES'))
  elseif kind == 'list' then
    content = joined(redis.call('LRANGE', name, 0, -1))
  elseif kind == 'stream' then
    local info, entries = redis.call('XINFO', 'STREAM', name), {}
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then entries[1] = info[i + 1] end
    end
    for _, entry in ipairs(redis.call('XRANGE', name, '-', '+')) do entries[#entries + 1] = entry[1] .. ':' .. joined(entry[2]) end
    content = joined(entries)
  else
    content = redis.sha1hex(redis.call('DUMP', name))
  end
  out[#out + 1] = name
  out[#out + 1] = kind .. ':' .. redis.sha1hex(content)
end
return out`;

/** Every key of the test's prefix (audit and event streams included) and a hash of its content. */
export async function storedState(ctx: Pick<RedisTestContext, 'redis' | 'k'>): Promise<Map<string, string>> {
  const flat = (await ctx.redis.eval(STATE_SCRIPT, { arguments: [`${ctx.k.prefix}:*`] })) as string[];
  const state = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) state.set(flat[i]!, flat[i + 1]!);
  return state;
}

/** The keys that differ between two states: added, removed or changed. */
export function changedKeys(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
