-- Call-backs whose wished window has begun go into their municipality's queue at their
-- ORIGINAL place (callback-book-6.lua). Run every few seconds by every app instance; one run
-- moves each call-back once, so instances racing each other do no harm.
--
-- KEYS[1] {p}:callbacks:scheduled
-- ARGV[1] key prefix   ARGV[2] at most this many per run
--
-- Returns the ids moved. Emits call.queued for each.

local prefix, limit = ARGV[1], tonumber(ARGV[2])

local moved = {}
for _, callback_id in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', now_ms(), 'BYSCORE', 'LIMIT', 0, limit)) do
  redis.call('ZREM', KEYS[1], callback_id)
  local key = call_key(prefix, callback_id)
  local call = read_hash(key)
  if call and call.state == 'scheduled' then
    redis.call('HSET', key, 'state', 'waiting')
    queue_add(prefix, call.municipalityId, callback_id, tonumber(call.place), call.priorityBoostSeconds)
    emit_event(prefix, 'call.queued', call.municipalityId,
      { 'callId', callback_id, 'position', position(prefix, call.municipalityId, callback_id), 'priorityClass', call.priorityClass or '' })
    table.insert(moved, callback_id)
  end
end
return moved
