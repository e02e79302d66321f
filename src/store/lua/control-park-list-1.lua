-- The calls parked in one municipality's park, longest parked first. A parked call whose
-- caller hung up is ended by finish-2.lua, which does not know parks: such ids are dropped here.
--
-- KEYS[1] {p}:park:{municipalityId}
-- ARGV[1] key prefix
--
-- Returns {now ms, record 1 as HGETALL, record 2 as HGETALL, ...}.

local prefix = ARGV[1]

local reply = { now_ms() }
for _, call_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = call_key(prefix, call_id)
  local state = redis.call('HMGET', key, 'state', 'control')
  if state[1] == 'answered' and state[2] == 'parked' then
    table.insert(reply, redis.call('HGETALL', key))
  else
    redis.call('ZREM', KEYS[1], call_id)
  end
end
return reply
