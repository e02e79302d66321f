-- One municipality's queue in order, read in one go so that positions and records agree,
-- with Redis's clock for the waiting times. Read-only. A call whose media node has been silent
-- for ARGV[2] ms is left out (_shared.lua media_node_dead): its caller is gone with the node,
-- and media-node-sweep-3.lua is about to end it, so nobody is shown a ghost as waiting.
--
-- KEYS[1] {p}:queue:{municipalityId}
-- ARGV[1] key prefix
-- ARGV[2] MEDIA_NODE_DEAD_SECONDS in ms (absent or 0: every call is shown)
--
-- Returns {now ms, record 1 as HGETALL, record 2 as HGETALL, ...}, first in line first.

local prefix = ARGV[1]
local dead_ms = tonumber(ARGV[2]) or 0

local now = now_ms()
local reply = { now }
for _, call_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local flat = redis.call('HGETALL', call_key(prefix, call_id))
  local call = {}
  for i = 1, #flat, 2 do
    call[flat[i]] = flat[i + 1]
  end
  if not media_node_dead(prefix, call, dead_ms, now) then
    table.insert(reply, flat)
  end
end
return reply
