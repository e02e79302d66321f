-- One municipality's queue in order, read in one go so that positions and records agree,
-- with Redis's clock for the waiting times. Read-only.
--
-- KEYS[1] {p}:queue:{municipalityId}
-- ARGV[1] key prefix
--
-- Returns {now ms, record 1 as HGETALL, record 2 as HGETALL, ...}, first in line first.

local prefix = ARGV[1]

local reply = { now_ms() }
for _, call_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(reply, redis.call('HGETALL', call_key(prefix, call_id)))
end
return reply
